// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process resource use: time on a CPU from sched_switch (the time between a thread
 * being switched in and out, added to its process), and system calls entered from
 * raw_syscalls/sys_enter, both summed per process (tgid) in an LRU hash that user space
 * samples every period to show the top consumers. A thread that is running at a sample
 * has its current slice counted at its next switch.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

VIGIL_WIRE_STRUCT(vigil_proc_usage);

/* per thread: when it was last switched in. Task storage, updated in place and freed with
 * the task: an LRU hash rewritten on every switch can evict a running thread's entry and
 * lose its whole slice. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} oncpu_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct vigil_proc_usage);
} procs SEC(".maps");

static __always_inline struct vigil_proc_usage *usage_of(struct task_struct *t, __u32 tgid)
{
	struct vigil_proc_usage *u = bpf_map_lookup_elem(&procs, &tgid);
	if (u)
		return u;
	struct vigil_proc_usage n = {};
	n.uid = BPF_CORE_READ(t, cred, uid.val);
	BPF_CORE_READ_STR_INTO(&n.comm, t, group_leader, comm);
	bpf_map_update_elem(&procs, &tgid, &n, BPF_NOEXIST);
	return bpf_map_lookup_elem(&procs, &tgid);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(vigil_res_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	if (prev->pid) {
		__u64 *since = bpf_task_storage_get(&oncpu_since, prev, 0, 0);
		if (since && *since && now > *since) {
			struct vigil_proc_usage *u = usage_of(prev, prev->tgid);
			if (u)
				__sync_fetch_and_add(&u->oncpu_ns, now - *since);
			*since = 0;
		}
	}
	if (next->pid) {
		__u64 *since = bpf_task_storage_get(&oncpu_since, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (since)
			*since = now;
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_res_enter, struct pt_regs *regs, long id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32; /* vigil included: top shows its own cost */
	struct vigil_proc_usage *u = bpf_map_lookup_elem(&procs, &tgid);
	if (!u)
		u = usage_of(bpf_get_current_task_btf(), tgid);
	if (u)
		__sync_fetch_and_add(&u->syscalls, 1);
	return 0;
}

/* a process that execs keeps its pid: give its entry the new name */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_res_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct vigil_proc_usage *u = bpf_map_lookup_elem(&procs, &tgid);
	if (u)
		bpf_probe_read_kernel_str(u->comm, sizeof(u->comm), p->comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
