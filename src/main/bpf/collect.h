/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the event collectors (exec, unlink, risky, resource): the filters a
 * vigil.yaml or --pid selects, the per-CPU counters, and the ring buffer. Include once,
 * after vmlinux.h, bpf_helpers.h and events.h.
 *
 * Filters: each kind (pid, uid, comm, cgroup) is a set in a small hash map, active when its
 * bit is set in filter_on; an event passes when it matches every active kind. vigil's own
 * process is always left out.
 */
#ifndef VIGIL_COLLECT_H
#define VIGIL_COLLECT_H

#define VIGIL_FILTER_PID 1
#define VIGIL_FILTER_UID 2
#define VIGIL_FILTER_COMM 4
#define VIGIL_FILTER_CGROUP 8

const volatile __u32 filter_on = 0;
const volatile __u32 self_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} filter_uids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, char[16]);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} filter_cgroups SEC(".maps");

/* stats[0] = events lost (ring buffer full), stats[1] = events sent; others per collector */
#define VIGIL_STAT_LOST 0
#define VIGIL_STAT_SENT 1
#ifndef VIGIL_STATS_MAX
#define VIGIL_STATS_MAX 8 /* a program with more counters defines it before including collect.h */
#endif
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_STATS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline void vigil_count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);
	if (v)
		*v += 1;
}

/* Does the current task pass the configured filters? */
static __always_inline int vigil_pass(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == self_tgid)
		return 0;
	if (!filter_on)
		return 1;
	if ((filter_on & VIGIL_FILTER_PID) && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return 0;
	if (filter_on & VIGIL_FILTER_UID) {
		__u32 uid = (__u32)bpf_get_current_uid_gid();
		if (!bpf_map_lookup_elem(&filter_uids, &uid))
			return 0;
	}
	if (filter_on & VIGIL_FILTER_COMM) {
		char comm[16] = {};
		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&filter_comms, comm))
			return 0;
	}
	if (filter_on & VIGIL_FILTER_CGROUP) {
		__u64 cg = bpf_get_current_cgroup_id();
		if (!bpf_map_lookup_elem(&filter_cgroups, &cg))
			return 0;
	}
	return 1;
}

/* Reserves an event of the given size, counting a loss when the buffer is full. */
static __always_inline void *vigil_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		vigil_count(VIGIL_STAT_LOST);
	return e;
}

static __always_inline void vigil_submit(void *e)
{
	vigil_count(VIGIL_STAT_SENT);
	bpf_ringbuf_submit(e, 0);
}

/* Submits e (size bytes) waking user space only when the data waiting crosses a multiple
 * of wake_bytes (a power of two): once per crossing, not on every event of a busy ring.
 * The reader must consume what is ready at every read, woken or not. */
static __always_inline __u64 vigil_wake_flags(__u64 size, __u64 wake_bytes)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return avail >= wake_bytes && (avail & (wake_bytes - 1)) < 2 * (size + 8) ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void vigil_submit_batched(void *e, __u64 size, __u64 wake_bytes)
{
	vigil_count(VIGIL_STAT_SENT);
	bpf_ringbuf_submit(e, vigil_wake_flags(size, wake_bytes));
}

/* The same for an event built elsewhere (a per-CPU scratch) and copied in, of a size known
 * only now (at most max): only the bytes it uses cross. Returns 0 when sent, else counts a loss. */
static __always_inline long vigil_output_batched(void *e, __u64 size, __u64 max, __u64 wake_bytes)
{
	if (size > max)
		size = max;
	long r = bpf_ringbuf_output(&events, e, size, vigil_wake_flags(size, wake_bytes));
	vigil_count(r ? VIGIL_STAT_LOST : VIGIL_STAT_SENT);
	return r;
}

/* The common header of every collector event (struct vigil_event_header in events.h). */
static __always_inline void vigil_header(struct vigil_event_header *h, __u32 type)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	h->type = type;
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->_pad = 0;
	h->ktime_ns = bpf_ktime_get_ns();
	h->cgroup = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* A task's command line (argv, NUL-separated) into args (VIGIL_ARGS_MAX bytes): *len the bytes
 * read (0 when unreadable), *total the whole length (more than *len when truncated). */
static __always_inline void vigil_read_argv(struct task_struct *task, char *args, __u32 *len, __u32 *total)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start), end = BPF_CORE_READ(task, mm, arg_end);
	__u64 all = end > start ? end - start : 0, n = all;
	if (n > VIGIL_ARGS_MAX)
		n = VIGIL_ARGS_MAX;
	*total = (__u32)all;
	*len = 0;
	if (n > 0 && bpf_probe_read_user(args, n, (void *)start) == 0)
		*len = (__u32)n;
}

#endif
