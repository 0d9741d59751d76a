// SPDX-License-Identifier: GPL-2.0
/*
 * Program executions and process exits. sched_process_exec (BTF-enabled, so the new
 * binary's linux_binprm is at hand): pid, ppid, uid, comm, cgroup, the file executed and
 * argv, read from the new process's memory (bounded, with the whole length so a truncated
 * command line is known). sched_process_exit of a thread-group leader: the wait status and
 * the lifetime since fork. Needs BTF-enabled tracepoints (5.5+).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "collect.h"
#include "path.h"
#include "task_w.h"
#include "ns.h"

VIGIL_WIRE_STRUCT(vigil_event_header);
VIGIL_WIRE_ENUM(vigil_event_type);
VIGIL_WIRE_STRUCT(vigil_exec_event);
VIGIL_WIRE_STRUCT(vigil_exit_event);
VIGIL_WIRE_ENUM(vigil_exec_flag);

/* Room to walk a path backwards (see path.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[2 * VIGIL_PATH_MAX]);
} walk_buf SEC(".maps");

/* Per workload slot (the one a process was forked from, task_w.h), the execs the ring
 * buffer had no room for: the coverage alert names the workloads that lost some. Sized like
 * workload.bpf.c's slots by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} exec_lost SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!vigil_pass())
		return 0;
	struct vigil_exec_event *e = vigil_reserve(sizeof(*e));
	if (!e) {
		struct task_w *lt = bpf_task_storage_get(&tasks, p, 0, 0);
		if (lt && lt->fork_slot) {
			__u32 idx = lt->fork_slot - 1;
			__u64 *n = bpf_map_lookup_elem(&exec_lost, &idx);
			if (n)
				__sync_fetch_and_add(n, 1);
		}
		return 0;
	}
	vigil_header(&e->h, VIGIL_EV_EXEC);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	/* the file the kernel executed (for a script, its interpreter) */
	__u32 zero = 0;
	e->flags = vigil_exec_file(bprm, bpf_map_lookup_elem(&walk_buf, &zero), e->exe);
	/* a file executed through a descriptor (fexecve, a memfd: /dev/fd/N, /proc/self/fd/N)
	 * is named by its own path (/memfd:NAME), which the process may not live to show */
	if (e->exe[0] && ((e->filename[0] == '/' && e->filename[1] == 'p' && e->filename[2] == 'r' && e->filename[3] == 'o' && e->filename[4] == 'c' && e->filename[5] == '/')
	    || (e->filename[0] == '/' && e->filename[1] == 'd' && e->filename[2] == 'e' && e->filename[3] == 'v' && e->filename[4] == '/'
		&& e->filename[5] == 'f' && e->filename[6] == 'd' && e->filename[7] == '/')))
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), e->exe);
	/* where it came from: the workload of its parent when it was forked (see task_w.h) */
	struct task_w *t = bpf_task_storage_get(&tasks, p, 0, 0);
	e->slot = t ? t->fork_slot : 0;
	e->slot_cgroup = t ? t->fork_cgroup : 0;
	vigil_task_ns(p, &e->mnt_ns, &e->pid_level, e->pid_ns);
	vigil_read_argv(p, e->args, &e->args_len, &e->args_total);
	e->parent_exe[0] = 0;
	struct file *pf = BPF_CORE_READ(p, real_parent, mm, exe_file);
	if (pf) {
		__u32 zero = 0;
		char *walk = bpf_map_lookup_elem(&walk_buf, &zero);
		if (walk) {
			struct path pp = BPF_CORE_READ(pf, f_path);
			vigil_walk_path(&pp, walk, e->parent_exe);
		}
	}
	vigil_submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *p)
{
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0; /* a thread, not the process */
	if (!vigil_pass())
		return 0;
	struct vigil_exit_event *e = vigil_reserve(sizeof(*e));
	if (!e)
		return 0;
	vigil_header(&e->h, VIGIL_EV_EXIT);
	e->exit_code = (__u32)BPF_CORE_READ(p, exit_code);
	e->_pad = 0;
	e->lifetime_ns = bpf_ktime_get_ns() - BPF_CORE_READ(p, start_time);
	vigil_submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
