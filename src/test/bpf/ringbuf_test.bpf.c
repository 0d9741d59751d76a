// SPDX-License-Identifier: GPL-2.0
/* Test program: one ring-buffer event per getppid() made by the target process. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

const volatile __u32 target_tgid = 0;
VIGIL_WIRE_STRUCT(vigil_test_event);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int vigil_rb_test(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) != target_tgid)
		return 0;
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&counters, &zero);
	if (!seq)
		return 0;
	__u64 n = __sync_fetch_and_add(seq, 1) + 1;
	struct vigil_test_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->type = VIGIL_EV_TEST;
	e->pid = (__u32)id;
	e->tgid = (__u32)(id >> 32);
	e->_pad = 0;
	e->seq = n;
	e->ktime_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
