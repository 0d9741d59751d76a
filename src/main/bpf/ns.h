/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's mount namespace and pid namespaces, by their inode numbers (what /proc/PID/ns/mnt
 * and /proc/PID/ns/pid name): read in the kernel at an exec, so user space can check that a
 * process in a container's cgroup is in that container's pid namespace or one below it (a
 * process put into the cgroup from the host is not: no process can move to a pid namespace
 * that is not below its own). The pid namespaces are those of each level from the host's
 * (0) up to the task's own, as its struct pid numbers them. Include after vmlinux.h,
 * bpf_helpers.h, bpf_core_read.h and events.h.
 */
#ifndef VIGIL_NS_H
#define VIGIL_NS_H

static __always_inline void vigil_task_ns(struct task_struct *task, __u32 *mnt, __u32 *level, __u32 *pid_ns)
{
	*mnt = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	struct pid *tp = BPF_CORE_READ(task, thread_pid);
	unsigned int l = tp ? BPF_CORE_READ(tp, level) : 0;
	*level = l;
	for (int i = 0; i < VIGIL_PID_LEVELS; i++) {
		pid_ns[i] = 0;
		if (!tp || i > l)
			continue;
		struct upid up = {};
		bpf_probe_read_kernel(&up, sizeof(up), &tp->numbers[i]);
		pid_ns[i] = up.ns ? BPF_CORE_READ(up.ns, ns.inum) : 0;
	}
}

#endif
