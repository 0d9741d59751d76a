// SPDX-License-Identifier: GPL-2.0
/*
 * Custom probes from the config: one generic family of programs for any uprobe, uretprobe,
 * USDT probe or tracepoint. Nothing is compiled when a probe is added: each attachment
 * carries the probe's id as its BPF cookie (bpf_usdt_cookie for USDT), and the probe's
 * struct vigil_probe_spec (probe_specs[id], written by user space before attaching) says
 * which arguments to capture and how, which filters apply, and whether the probe is one
 * half of an entry/return pair.
 *
 * Pairs keep, per thread, the depth of paired calls and their frames (probe_stacks, LRU):
 * every event carries the thread's chain of calls, innermost first, so a tracepoint or a
 * probe hit inside a probed function says in which one it happened.
 *
 * Costs only the threads that hit a probe: there is no program on any system call here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>
#include "events.h"
#include "collect.h"
#include "task_w.h"
#include "probe_stack.h"

char LICENSE[] SEC("license") = "GPL";

VIGIL_WIRE_STRUCT(vigil_probe_event);
VIGIL_WIRE_STRUCT(vigil_probe_spec);
VIGIL_WIRE_STRUCT(vigil_probe_stack);
VIGIL_WIRE_ENUM(vigil_probe_arg);
VIGIL_WIRE_ENUM(vigil_probe_phase);
VIGIL_WIRE_ENUM(vigil_probe_flag);
VIGIL_WIRE_ENUM(vigil_probe_filter);
VIGIL_WIRE_ENUM(vigil_probe_op);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_PROBE_MAX);
	__type(key, __u32);
	__type(value, struct vigil_probe_spec);
} probe_specs SEC(".maps");

/* probe_stacks: probe_stack.h */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vigil_probe_fkey);
	__type(value, __u8);
} probe_filter_values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct vigil_probe_ckey);
	__type(value, __u8);
} probe_filter_comms SEC(".maps");

/* Per probe, per CPU: [4*id] hits, [4*id+1] left out by a filter, [4*id+2] events sent,
 * [4*id+3] events lost (ring buffer full); the ring's losses also count in stats[0]. */
#define PC_HITS 0
#define PC_FILTERED 1
#define PC_SENT 2
#define PC_LOST 3
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_PROBE_MAX * 4);
	__type(key, __u32);
	__type(value, __u64);
} probe_counts SEC(".maps");

struct vigil_probe_stack empty_stack = {};

static __always_inline void pcount(__u32 id, __u32 what)
{
	__u32 k = (id & (VIGIL_PROBE_MAX - 1)) * 4 + what;
	__u64 *v = bpf_map_lookup_elem(&probe_counts, &k);
	if (v)
		*v += 1;
}

/* The process-level filters: vigil.yaml's (collect.h) and the probe's own. */
static __always_inline int probe_pass(__u32 id, const struct vigil_probe_spec *sp)
{
	if (!vigil_pass())
		return 0;
	__u32 f = sp->filters;
	if (!f)
		return 1;
	struct vigil_probe_fkey k = {.probe = id};
	if (f & VIGIL_PF_PID) {
		k.kind = VIGIL_PF_PID;
		k.value = bpf_get_current_pid_tgid() >> 32;
		if (!bpf_map_lookup_elem(&probe_filter_values, &k))
			return 0;
	}
	if (f & VIGIL_PF_UID) {
		k.kind = VIGIL_PF_UID;
		k.value = (__u32)bpf_get_current_uid_gid();
		if (!bpf_map_lookup_elem(&probe_filter_values, &k))
			return 0;
	}
	if (f & VIGIL_PF_CGROUP) {
		k.kind = VIGIL_PF_CGROUP;
		k.value = bpf_get_current_cgroup_id();
		if (!bpf_map_lookup_elem(&probe_filter_values, &k))
			return 0;
	}
	if (f & VIGIL_PF_COMM) {
		struct vigil_probe_ckey c = {.probe = id};
		bpf_get_current_comm(c.comm, sizeof(c.comm));
		if (!bpf_map_lookup_elem(&probe_filter_comms, &c))
			return 0;
	}
	return 1;
}

/* The first six argument registers of a function entered (each read at a constant offset
 * of the context, as the verifier requires). */
static __always_inline void reg_args(struct pt_regs *ctx, __u64 *r)
{
	r[0] = PT_REGS_PARM1(ctx);
	r[1] = PT_REGS_PARM2(ctx);
	r[2] = PT_REGS_PARM3(ctx);
	r[3] = PT_REGS_PARM4(ctx);
	r[4] = PT_REGS_PARM5(ctx);
#if defined(__TARGET_ARCH_x86)
	r[5] = ctx->r9;
#elif defined(__TARGET_ARCH_arm64)
	r[5] = ((struct user_pt_regs *)ctx)->regs[5];
#else
	r[5] = 0;
#endif
}

/* The captured arguments, normalised to their type (int sign-extended, uint zero-extended). */
static __always_inline void probe_args(struct pt_regs *ctx, const struct vigil_probe_spec *sp, __u64 *out)
{
	__u64 regs[VIGIL_PROBE_ARGS] = {};
	int usdt = sp->flags & VIGIL_PROBE_USDT;
	if (!usdt)
		reg_args(ctx, regs);
	for (int i = 0; i < VIGIL_PROBE_ARGS; i++) {
		__u8 t = sp->arg_type[i];
		if (!t)
			continue;
		long v = 0;
		__u32 src = sp->arg_src[i];
		if (usdt) {
			if (bpf_usdt_arg(ctx, src, &v))
				v = 0;
		} else if (src < VIGIL_PROBE_ARGS) {
			v = (long)regs[src];
		}
		if (t == VIGIL_ARG_INT)
			v = (long)(int)v;
		else if (t == VIGIL_ARG_UINT)
			v = (long)(__u32)v;
		out[i] = (__u64)v;
	}
}

/* Do the captured arguments pass the probe's argument filters? */
static __always_inline int args_pass(const struct vigil_probe_spec *sp, const __u64 *args)
{
	for (int f = 0; f < VIGIL_PROBE_ARG_FILTERS; f++) {
		__u8 op = sp->arg_filter[f].op;
		if (!op)
			continue;
		__u32 slot = sp->arg_filter[f].slot;
		if (slot >= VIGIL_PROBE_ARGS)
			continue;
		__u64 v = args[slot];
		int eq = v == sp->arg_filter[f].value;
		if ((op == VIGIL_OP_EQ && !eq) || (op == VIGIL_OP_NE && eq))
			return 0;
	}
	return 1;
}

/* The chain of frames from index top down, innermost first. */
static __always_inline void copy_frames(struct vigil_probe_event *e, const struct vigil_probe_stack *st, int top)
{
	__u32 n = 0;
	e->nframes = 0;
	if (!st)
		return;
	for (int k = 0; k < VIGIL_PROBE_FRAMES; k++) {
		int idx = top - k;
		if (idx < 0)
			break;
		__u32 u = (__u32)idx;
		barrier_var(u);
		if (u >= VIGIL_PROBE_DEPTH)
			continue; /* deeper than kept */
		barrier_var(n);
		if (n >= VIGIL_PROBE_FRAMES)
			break;
		e->frames[n] = st->frames[u];
		n++;
	}
	e->nframes = n;
}

/* The strings and buffers of the captured arguments, read from user memory. */
static __always_inline void copy_strings(struct vigil_probe_event *e, const struct vigil_probe_spec *sp)
{
	for (int i = 0; i < VIGIL_PROBE_ARGS; i++) {
		__u8 t = sp->arg_type[i];
		if (t != VIGIL_ARG_STRING && t != VIGIL_ARG_BUFFER)
			continue;
		__u32 j = sp->arg_str[i];
		if (j >= VIGIL_PROBE_STRS)
			continue;
		void *src = (void *)e->args[i];
		if (t == VIGIL_ARG_STRING) {
			long n = bpf_probe_read_user_str(e->str[j], VIGIL_PROBE_STR, src);
			e->str_len[j] = n > 0 ? (__u32)(n - 1) : 0;
		} else {
			__u32 ls = sp->arg_len[i];
			if (ls >= VIGIL_PROBE_ARGS)
				continue;
			__u64 len = e->args[ls];
			if (len > VIGIL_PROBE_STR)
				len = VIGIL_PROBE_STR;
			e->str_len[j] = 0;
			if (len > 0 && bpf_probe_read_user(e->str[j], len, src) == 0)
				e->str_len[j] = (__u32)len;
		}
	}
}

/* Room to build an event: only the part it uses is copied into the ring (probe_send). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_probe_event);
} probe_scratch SEC(".maps");

static __always_inline struct vigil_probe_event *probe_event(__u32 id, __u32 phase, __u32 depth)
{
	__u32 zero = 0;
	struct vigil_probe_event *e = bpf_map_lookup_elem(&probe_scratch, &zero);
	if (!e)
		return 0;
	vigil_header(&e->h, VIGIL_EV_PROBE);
	e->probe = id;
	e->phase = phase;
	e->depth = depth;
	e->nframes = 0;
	/* the workload the thread belongs to (the agent shares the exec probe's task storage; else it stays empty) */
	struct task_w *t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	e->slot = t ? t->slot : 0;
	e->pad = 0;
	e->ret = 0;
	e->raw_len = 0;
	for (int i = 0; i < VIGIL_PROBE_STRS; i++)
		e->str_len[i] = 0;
	return e;
}

/* Sends the part of e its probe uses: up to its last string slot, or a tracepoint's record
 * as copied (an event without strings is a quarter of the whole). The reader is woken once
 * per 64 KiB waiting: a hot probed function would otherwise pay a wake-up per hit whenever
 * the reader has caught up. */
static __always_inline void probe_send(struct vigil_probe_event *e, __u32 id, const struct vigil_probe_spec *sp)
{
	__u64 size;
	if (sp->flags & VIGIL_PROBE_TRACEPOINT) {
		size = __builtin_offsetof(struct vigil_probe_event, raw) + (e->raw_len & (2 * VIGIL_PROBE_RAW - 1));
	} else {
		__u32 strs = sp->str_slots; /* counted by user space when it wrote the spec */
		if (strs > VIGIL_PROBE_STRS)
			strs = VIGIL_PROBE_STRS;
		size = __builtin_offsetof(struct vigil_probe_event, str) + (__u64)strs * VIGIL_PROBE_STR;
	}
	if (vigil_output_batched(e, size, sizeof(*e), 64 * 1024) == 0)
		pcount(id, PC_SENT);
	else
		pcount(id, PC_LOST);
}

static __always_inline struct vigil_probe_stack *thread_stack(int create)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vigil_probe_stack *st = bpf_map_lookup_elem(&probe_stacks, &tid);
	if (st || !create)
		return st;
	bpf_map_update_elem(&probe_stacks, &tid, &empty_stack, BPF_NOEXIST);
	return bpf_map_lookup_elem(&probe_stacks, &tid);
}

/* A function entered (a uprobe or USDT probe), or a probe without a pair hit. */
static __always_inline int probe_entry(struct pt_regs *ctx, __u32 id)
{
	id &= VIGIL_PROBE_MAX - 1;
	const struct vigil_probe_spec *sp = bpf_map_lookup_elem(&probe_specs, &id);
	if (!sp)
		return 0;
	pcount(id, PC_HITS);
	if (!probe_pass(id, sp)) {
		pcount(id, PC_FILTERED);
		return 0;
	}
	__u64 args[VIGIL_PROBE_ARGS] = {};
	probe_args(ctx, sp, args);
	int pass = args_pass(sp, args);
	int paired = sp->flags & VIGIL_PROBE_PAIRED;
	struct vigil_probe_stack *st = thread_stack(paired);
	int top = -1;
	__u32 depth = 0;
	if (st) {
		__u32 d = st->depth;
		if (paired) {
			if (d < VIGIL_PROBE_DEPTH) {
				struct vigil_probe_frame *f = &st->frames[d & (VIGIL_PROBE_DEPTH - 1)];
				f->probe = id;
				f->emitted = pass;
				__u32 fs = sp->frame_slot;
				f->key = fs < VIGIL_PROBE_ARGS ? args[fs] : 0;
			}
			st->depth = d + 1;
			depth = d + 1;
			top = (int)d;
		} else {
			depth = d;
			top = (int)d - 1;
		}
	}
	if (!pass) {
		pcount(id, PC_FILTERED);
		return 0;
	}
	if (!(sp->flags & VIGIL_PROBE_EMIT_ENTRY))
		return 0;
	struct vigil_probe_event *e = probe_event(id, paired ? VIGIL_PHASE_ENTRY : VIGIL_PHASE_HIT, depth);
	if (!e)
		return 0;
	for (int i = 0; i < VIGIL_PROBE_ARGS; i++)
		e->args[i] = args[i];
	copy_strings(e, sp);
	copy_frames(e, st, top);
	probe_send(e, id, sp);
	return 0;
}

/* A paired function returned: pops its frame; with_ret: a uretprobe (the return value). */
static __always_inline int probe_return(struct pt_regs *ctx, __u32 id, int with_ret)
{
	id &= VIGIL_PROBE_MAX - 1;
	const struct vigil_probe_spec *sp = bpf_map_lookup_elem(&probe_specs, &id);
	if (!sp)
		return 0;
	if (!probe_pass(id, sp))
		return 0;
	struct vigil_probe_stack *st = thread_stack(0);
	if (!st || st->depth == 0)
		return 0; /* entered before the probe was attached */
	__u32 d = st->depth - 1;
	int pass = 1;
	if (d < VIGIL_PROBE_DEPTH)
		pass = st->frames[d & (VIGIL_PROBE_DEPTH - 1)].emitted;
	st->depth = d;
	if (!pass || !(sp->flags & VIGIL_PROBE_EMIT_RETURN))
		return 0;
	struct vigil_probe_event *e = probe_event(id, VIGIL_PHASE_RETURN, d + 1);
	if (!e)
		return 0;
	for (int i = 0; i < VIGIL_PROBE_ARGS; i++)
		e->args[i] = 0;
	if (with_ret) {
		e->ret = (__s64)PT_REGS_RC(ctx);
	} else {
		__u64 args[VIGIL_PROBE_ARGS] = {};
		probe_args(ctx, sp, args);
		for (int i = 0; i < VIGIL_PROBE_ARGS; i++)
			e->args[i] = args[i];
		copy_strings(e, sp);
	}
	copy_frames(e, st, (int)d);
	probe_send(e, id, sp);
	return 0;
}

SEC("uprobe")
int vigil_probe_uprobe(struct pt_regs *ctx)
{
	return probe_entry(ctx, (__u32)bpf_get_attach_cookie(ctx));
}

SEC("uretprobe")
int vigil_probe_uretprobe(struct pt_regs *ctx)
{
	return probe_return(ctx, (__u32)bpf_get_attach_cookie(ctx), 1);
}

SEC("usdt")
int vigil_probe_usdt(struct pt_regs *ctx)
{
	return probe_entry(ctx, (__u32)bpf_usdt_cookie(ctx));
}

SEC("usdt")
int vigil_probe_usdt_return(struct pt_regs *ctx)
{
	return probe_return(ctx, (__u32)bpf_usdt_cookie(ctx), 0);
}

/* Any tracepoint: its record (the first raw_size bytes, decoded by user space from the
 * tracepoint's format file) and up to three of its strings (__data_loc strings, and a
 * system call's string arguments, read from the caller's memory). */
SEC("tracepoint")
int vigil_probe_tp(void *ctx)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx) & (VIGIL_PROBE_MAX - 1);
	const struct vigil_probe_spec *sp = bpf_map_lookup_elem(&probe_specs, &id);
	if (!sp)
		return 0;
	pcount(id, PC_HITS);
	if (!probe_pass(id, sp)) {
		pcount(id, PC_FILTERED);
		return 0;
	}
	struct vigil_probe_stack *st = thread_stack(0);
	__u32 depth = st ? st->depth : 0;
	struct vigil_probe_event *e = probe_event(id, VIGIL_PHASE_HIT, depth);
	if (!e)
		return 0;
	for (int i = 0; i < VIGIL_PROBE_ARGS; i++)
		e->args[i] = 0;
	__u32 n = sp->raw_size;
	if (n > VIGIL_PROBE_RAW)
		n = VIGIL_PROBE_RAW;
	if (n > 0 && bpf_probe_read_kernel(e->raw, n, ctx) == 0)
		e->raw_len = n;
	for (int j = 0; j < VIGIL_PROBE_STRS; j++) {
		__u32 off = sp->data_loc[j];
		if (off & 0x8000) { /* a system call's string argument: read from the caller's memory */
			off &= 0x7fff;
			if (off + 8 > e->raw_len || off > VIGIL_PROBE_RAW - 8)
				continue;
			__u64 up = 0;
			bpf_probe_read_kernel(&up, sizeof(up), (char *)ctx + off);
			long r = up ? bpf_probe_read_user_str(e->str[j], VIGIL_PROBE_STR, (void *)up) : 0;
			/* a page the caller has not touched yet cannot be read here (no faults in a tracepoint): said, not "" */
			e->str_len[j] = r > 0 ? (__u32)(r - 1) : up ? 0xffffffff : 0;
			continue;
		}
		if (!off || off + 4 > e->raw_len || off > VIGIL_PROBE_RAW - 4)
			continue;
		__u32 loc = 0;
		bpf_probe_read_kernel(&loc, sizeof(loc), (char *)ctx + off);
		long r = bpf_probe_read_kernel_str(e->str[j], VIGIL_PROBE_STR, (char *)ctx + (loc & 0xffff));
		e->str_len[j] = r > 0 ? (__u32)(r - 1) : 0;
	}
	copy_frames(e, st, (int)depth - 1);
	probe_send(e, id, sp);
	return 0;
}
