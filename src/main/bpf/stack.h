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

/* The registers and up to budget bytes of the stack from sp up (at once, else in chunks of 256 as far as mapped). */
static __always_inline void vigil_stack_copy(struct task_struct *task, struct vigil_user_stack *u, __u32 budget)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	u->regs[0] = BPF_CORE_READ(regs, ip);
	u->regs[1] = BPF_CORE_READ(regs, sp);
	u->regs[2] = BPF_CORE_READ(regs, bp);
	u->regs[3] = BPF_CORE_READ(regs, di);
	u->snap_len = 0;
	if (budget > VIGIL_STACK_SNAP)
		budget = VIGIL_STACK_SNAP;
	__u64 sp = u->regs[1];
	if (budget >= 256 && bpf_probe_read_user(u->snap, budget & (VIGIL_STACK_SNAP - 1 + VIGIL_STACK_SNAP), (void *)sp) == 0)
		u->snap_len = budget;
	else for (int c = 0; c < VIGIL_STACK_SNAP / 256; c++) { /* near the top of the stack: as far as it is mapped */
		if (c * 256 >= budget)
			break;
		if (bpf_probe_read_user(u->snap + c * 256, 256, (void *)(sp + c * 256)) != 0)
			break;
		u->snap_len = (c + 1) * 256;
	}
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
