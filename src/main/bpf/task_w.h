/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's workload state, in task storage shared by exec.bpf.c (which owns the map and
 * reads it at each exec) and workload.bpf.c (which keeps it: user space hands exec.bpf.c's
 * map to workload.bpf.c before load, bpf_map__reuse_fd). Include after vmlinux.h and
 * bpf_helpers.h.
 */
#ifndef VIGIL_TASK_W_H
#define VIGIL_TASK_W_H

struct task_w {
	__u64 cgroup;         /* the cgroup the task's workload began in */
	__u32 slot;           /* 1 + index in slots; 0: none (kernel thread, full) */
	__u32 action;         /* a call judged at exit: its action (0: none pending) */
	__u32 nr;
	__u32 calls;          /* calls since the last flush into the slot's activity */
	__u64 a[4];           /* its arguments */
	/* The workload the task came from: its parent's slot and that slot's cgroup when it
	 * was forked (or its own, when first seen running). Set at fork only, never at exec, so
	 * an exec reads where it came from whichever exec program runs first; a double fork,
	 * a setsid or a dead parent changes nothing here. */
	__u64 fork_cgroup;
	__u32 fork_slot;
	/* Its slot could not be had (the table was full): 1 + the reclaim generation then; the
	 * task is resolved again at its next call once user space has reclaimed slots since. */
	__u32 retry;
	/* A container runtime's init (runc's sealed copy of itself) exec'd into a cgroup: no slot,
	 * no retry, passed on to its forks; the program it execs next begins the workload. */
	__u32 pending;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_w);
} tasks SEC(".maps");

#endif
