/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread's user stack at a call, for explaining an alert down to the code: its saved user
 * registers, the kernel's frame-pointer walk, and a copy of the stack from sp up (8 KiB, or in
 * 256-byte chunks as far as it is mapped), which user space unwinds by .eh_frame for code
 * built without frame pointers. Called at first sights and sequence anomalies only: the hot
 * path never pays for it. Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and
 * events.h; count_fail is called when the kernel could read no frame.
 */
#ifndef VIGIL_STACK_H
#define VIGIL_STACK_H

/*
 * Bytes of stack to copy with an event into ring: all VIGIL_STACK_SNAP while the ring is at
 * most a quarter full, 2 KiB up to half, none past that (the registers and the frame-pointer
 * walk still go): a burst of first sights shortens its stacks before it loses any.
 */
static __always_inline __u32 vigil_stack_budget(void *ring)
{
	__u64 size = bpf_ringbuf_query(ring, BPF_RB_RING_SIZE);
	__u64 used = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	if (used <= size / 4)
		return VIGIL_STACK_SNAP;
	if (used <= size / 2)
		return 2048;
	return 0;
}

/* A task's saved user registers: ip, sp, bp and di. */
static __always_inline void vigil_stack_regs(struct task_struct *task, __u64 *regs)
{
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(task);
	regs[0] = BPF_CORE_READ(r, ip);
	regs[1] = BPF_CORE_READ(r, sp);
	regs[2] = BPF_CORE_READ(r, bp);
	regs[3] = BPF_CORE_READ(r, di);
}

/*
 * Copies up to budget bytes (at most cap, a constant: the room at dst) of the user stack from
 * sp into dst, at once, else in chunks of 256 as far as it is mapped (near the top of the
 * stack); the bytes copied.
 */
#define VIGIL_SNAP_COPY(dst, cap, budget, sp) ({ \
	__u32 _b = (budget) > (cap) ? (cap) : (budget), _n = 0; \
	if (_b >= 256 && bpf_probe_read_user((dst), _b & ((cap) - 1 + (cap)), (void *)(sp)) == 0) \
		_n = _b; \
	else for (int _c = 0; _c < (cap) / 256; _c++) { \
		if (_c * 256 >= _b) \
			break; \
		if (bpf_probe_read_user((dst) + _c * 256, 256, (void *)((sp) + _c * 256)) != 0) \
			break; \
		_n = (_c + 1) * 256; \
	} \
	_n; })

/* The registers and up to budget bytes of the stack from sp up. */
static __always_inline void vigil_stack_copy(struct task_struct *task, struct vigil_user_stack *u, __u32 budget)
{
	vigil_stack_regs(task, u->regs);
	u->snap_len = VIGIL_SNAP_COPY(u->snap, VIGIL_STACK_SNAP, budget, u->regs[1]);
}

static __always_inline int vigil_user_stack(struct vigil_user_stack *u, __u32 budget)
{
	struct task_struct *task = bpf_get_current_task_btf();
	vigil_stack_copy(task, u, budget);
	u->flags = budget < VIGIL_STACK_SNAP ? VIGIL_STACK_SHORTENED : 0;
	long n = bpf_get_task_stack(task, u->stack, sizeof(u->stack), BPF_F_USER_STACK);
	if (n > 0) {
		u->nstack = (__u32)n / 8;
		u->stack_err = 0;
		return 1;
	}
	u->nstack = 0;
	u->stack_err = (__s32)n;
	return 0;
}

/* The bytes of an event ending in a struct vigil_user_stack at member that are in use. */
#define VIGIL_STACK_EVENT_SIZE(e, member) \
	(__builtin_offsetof(typeof(*(e)), member) + __builtin_offsetof(struct vigil_user_stack, snap) + ((e)->member.snap_len & (2 * VIGIL_STACK_SNAP - 1)))

#endif
