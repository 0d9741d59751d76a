// SPDX-License-Identifier: GPL-2.0
/*
 * Network traffic per (source, destination, protocol), IPv4 and IPv6, counted by a socket
 * filter on a raw AF_PACKET socket bound to one interface (the classic BCC design): every
 * frame the interface sends or receives passes through it. The filter returns 0, so no
 * packet is ever copied to user space; user space reads the flows map periodically. IPv6
 * extension headers are not walked: such packets count under their first next-header.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "events.h"

VIGIL_WIRE_STRUCT(vigil_flow_key);
VIGIL_WIRE_STRUCT(vigil_flow);

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vigil_flow_key);
	__type(value, struct vigil_flow);
} flows SEC(".maps");

/* 0: frames seen, 1: frames not IPv4/IPv6 (ARP, ...), 2: too short to parse */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} netstats SEC(".maps");

static __always_inline void bump(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&netstats, &which);
	if (v)
		*v += 1;
}

SEC("socket")
int vigil_net(struct __sk_buff *skb)
{
	bump(0);
	__u16 proto_be;
	__u32 off = ETH_HLEN;
	if (bpf_skb_load_bytes(skb, 12, &proto_be, 2) < 0) {
		bump(2);
		return 0;
	}
	__u16 proto = bpf_ntohs(proto_be);
	if (proto == ETH_P_8021Q) {
		if (bpf_skb_load_bytes(skb, 16, &proto_be, 2) < 0) {
			bump(2);
			return 0;
		}
		proto = bpf_ntohs(proto_be);
		off += 4;
	}
	struct vigil_flow_key k = {};
	if (proto == ETH_P_IP) {
		__u8 ip[20];
		if (bpf_skb_load_bytes(skb, off, ip, sizeof(ip)) < 0) {
			bump(2);
			return 0;
		}
		k.family = 4;
		k.proto = ip[9];
		__builtin_memcpy(k.src, &ip[12], 4);
		__builtin_memcpy(k.dst, &ip[16], 4);
	} else if (proto == ETH_P_IPV6) {
		__u8 ip6[40];
		if (bpf_skb_load_bytes(skb, off, ip6, sizeof(ip6)) < 0) {
			bump(2);
			return 0;
		}
		k.family = 6;
		k.proto = ip6[6];
		__builtin_memcpy(k.src, &ip6[8], 16);
		__builtin_memcpy(k.dst, &ip6[24], 16);
	} else {
		bump(1);
		return 0;
	}
	struct vigil_flow *f = bpf_map_lookup_elem(&flows, &k);
	if (f) {
		f->packets += 1; /* per-CPU value: no atomics */
		f->bytes += skb->len;
	} else {
		struct vigil_flow n = {.packets = 1, .bytes = skb->len};
		bpf_map_update_elem(&flows, &k, &n, BPF_NOEXIST);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
