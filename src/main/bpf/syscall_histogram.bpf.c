// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process system-call histogram (evilsocket's probe, done with CO-RE and libbpf).
 * Counts every raw_syscalls/sys_enter of every thread of one process (by tgid) into a
 * per-CPU array of VIGIL_MAX_SYSCALLS u64 counters. User space sums the CPUs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

/* Set by user space between open and load. */
const volatile __u32 target_tgid = 0;

/*
 * Slots 0..511 count calls by number; slot 512 counts calls whose number does not fit
 * (x32 ABI, future calls). One map with a constant pointer lets the verifier inline the
 * lookup (two maps chosen at run time would cost a helper call on every syscall).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_MAX_SYSCALLS + 1);
	__type(key, __u32);
	__type(value, __u64);
} histogram SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int vigil_hist_enter(struct trace_event_raw_sys_enter *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__u64 id = (__u64)ctx->id;
	__u32 key = id < VIGIL_MAX_SYSCALLS ? (__u32)id : VIGIL_MAX_SYSCALLS;
	__u64 *count = bpf_map_lookup_elem(&histogram, &key);
	if (count)
		*count += 1; /* per-CPU slot: no atomic needed */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
