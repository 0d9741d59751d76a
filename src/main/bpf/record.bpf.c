// SPDX-License-Identifier: GPL-2.0
/*
 * vigil record: every system call of chosen processes, in order, to user space, which
 * writes one trace file per process in the format `vigil evaluate` reads.
 *
 * targets (process id -> state) holds the processes recorded: user space adds the roots,
 * sched_process_fork adds every new process a recorded one forks (when follow is set), and
 * sched_process_exit of a process's leader removes it (so a reused pid is not recorded).
 * A root started by vigil itself waits in state AWAIT_EXEC until its exec, so the trace
 * starts with the first call of the program, not of the launcher. Calls go one by one
 * through the ring buffer, waking user space only once wakeup_bytes wait (process events
 * always wake it); a full buffer loses the call and counts it per process in lost.
 * Needs BTF-enabled tracepoints (5.5+) and the ring buffer (5.8+).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "collect.h" /* stats, the ring buffer (sized by user space), vigil_header; its filters are unused here */
#include "probe_stack.h"

VIGIL_WIRE_STRUCT(vigil_rec_call);
VIGIL_WIRE_ENUM(vigil_event_type);
VIGIL_WIRE_STRUCT(vigil_rec_proc);
VIGIL_WIRE_STRUCT(vigil_rec_call_in);

#define REC_RECORDING 1
#define REC_AWAIT_EXEC 2

/* Follow processes forked by recorded ones. */
const volatile __u32 follow = 1;
/* Calls are submitted without waking user space; it is woken each time the data waiting
 * crosses a multiple of this (a power of two), and drains the ring every poll period too. */
const volatile __u64 wakeup_bytes = 256 << 10;
/* record --probes: a call made inside probed functions (probe_stacks, shared with
 * probes.bpf.c) is sent with them (struct vigil_rec_call_in). */
const volatile __u32 with_frames = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

/* Calls lost to a full ring buffer, per process. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* collect.h's stats: [0] events lost, [1] events sent, and here [2] processes not followed
 * (targets full), [3] calls numbered beyond VIGIL_MAX_SYSCALLS (sent anyway), [4] uretprobe returns left out */
#define REC_STAT_NOT_FOLLOWED 2
#define REC_STAT_OUT_OF_RANGE 3
#define REC_STAT_URETPROBE 4 /* the uretprobe trampoline's calls (VIGIL_NR_URETPROBE): not the program's, left out */

static __always_inline void count_lost(__u32 tgid)
{
	vigil_count(VIGIL_STAT_LOST);
	__u64 *n = bpf_map_lookup_elem(&lost, &tgid);
	if (n) {
		__sync_fetch_and_add(n, 1);
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&lost, &tgid, &one, BPF_NOEXIST);
	}
}

/* A call inside probed functions (record --probes): sent with the innermost ones. */
static __always_inline int send_call_in(__u64 pid_tgid, long id)
{
	struct vigil_probe_frame f[VIGIL_CALL_FRAMES] = {};
	__u32 depth = 0;
	__u32 n = vigil_call_frames(f, &depth);
	if (depth == 0)
		return 0;
	__u32 tgid = pid_tgid >> 32;
	struct vigil_rec_call_in *c = bpf_ringbuf_reserve(&events, sizeof(*c), 0);
	if (!c) {
		count_lost(tgid);
		return 1;
	}
	c->type = VIGIL_EV_REC_CALL_IN;
	c->tid = (__u32)pid_tgid;
	c->tgid = tgid;
	c->nr = (__u32)id;
	c->depth = depth;
	c->nframes = n;
	for (int k = 0; k < VIGIL_CALL_FRAMES; k++)
		c->frames[k] = f[k];
	vigil_submit_batched(c, sizeof(*c), wakeup_bytes);
	return 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_rec_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 *state = bpf_map_lookup_elem(&targets, &tgid);
	if (!state || *state != REC_RECORDING)
		return 0;
	if (id == VIGIL_NR_URETPROBE) {
		vigil_count(REC_STAT_URETPROBE);
		return 0;
	}
	if ((__u64)id >= VIGIL_MAX_SYSCALLS)
		vigil_count(REC_STAT_OUT_OF_RANGE);
	if (with_frames && send_call_in(pid_tgid, id))
		return 0;
	struct vigil_rec_call *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost(tgid);
		return 0;
	}
	e->type = VIGIL_EV_REC_CALL;
	e->tid = (__u32)pid_tgid;
	e->tgid = tgid;
	e->nr = (__u32)id;
	vigil_submit_batched(e, sizeof(*e), wakeup_bytes);
	return 0;
}

static __always_inline void send_proc(__u32 type, struct task_struct *task, __u32 other, __u32 code, const char *filename)
{
	struct vigil_rec_proc *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost(BPF_CORE_READ(task, tgid));
		return;
	}
	vigil_header(&e->h, type);
	e->other = other;
	e->exit_code = code;
	e->filename[0] = 0;
	if (filename)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	vigil_count(VIGIL_STAT_SENT);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_rec_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!follow)
		return 0;
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 *state = bpf_map_lookup_elem(&targets, &ptgid);
	if (!state || *state != REC_RECORDING)
		return 0;
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid == ptgid)
		return 0; /* a new thread: its calls are the process's */
	__u32 rec = REC_RECORDING;
	if (bpf_map_update_elem(&targets, &ctgid, &rec, BPF_ANY)) {
		vigil_count(REC_STAT_NOT_FOLLOWED);
		return 0;
	}
	send_proc(VIGIL_EV_REC_FORK, parent, ctgid, 0, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_rec_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u32 *state = bpf_map_lookup_elem(&targets, &tgid);
	if (!state)
		return 0;
	*state = REC_RECORDING;
	send_proc(VIGIL_EV_REC_EXEC, p, 0, 0, BPF_CORE_READ(bprm, filename));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_rec_exit, struct task_struct *p)
{
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0; /* a thread, not the process */
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u32 *state = bpf_map_lookup_elem(&targets, &tgid);
	if (!state)
		return 0;
	__u32 was = *state;
	bpf_map_delete_elem(&targets, &tgid);
	if (was == REC_RECORDING)
		send_proc(VIGIL_EV_REC_EXIT, p, 0, (__u32)BPF_CORE_READ(p, exit_code), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
