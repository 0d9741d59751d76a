/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probed functions each thread is in: probes.bpf.c pushes a frame at the entry of a
 * paired probe (an entry/return pair) and pops it at the return. record.bpf.c and
 * workload.bpf.c read the same map (user space hands probes.bpf.c's map, or theirs, to the
 * other before load, bpf_map__reuse_fd) to say in which functions a call was made; without
 * custom probes user space sizes the map to one entry and it stays empty. Include after
 * vmlinux.h, bpf_helpers.h and events.h.
 */
#ifndef VIGIL_PROBE_STACK_H
#define VIGIL_PROBE_STACK_H

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);  /* thread id */
	__type(value, struct vigil_probe_stack);
} probe_stacks SEC(".maps");

/* The current thread's innermost probed functions into out (VIGIL_CALL_FRAMES, innermost
 * first); returns how many, and its depth in *depth (0: in none). Frames deeper than
 * VIGIL_PROBE_DEPTH were counted, not kept: they are skipped. */
static __always_inline __u32 vigil_call_frames(struct vigil_probe_frame *out, __u32 *depth)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vigil_probe_stack *st = bpf_map_lookup_elem(&probe_stacks, &tid);
	*depth = 0;
	if (!st || st->depth == 0)
		return 0;
	__u32 d = st->depth;
	*depth = d;
	__u32 n = 0;
	for (int k = 0; k < VIGIL_CALL_FRAMES + VIGIL_PROBE_DEPTH; k++) {
		int idx = (int)d - 1 - k;
		if (idx < 0 || n >= VIGIL_CALL_FRAMES)
			break;
		__u32 u = (__u32)idx;
		barrier_var(u);
		if (u >= VIGIL_PROBE_DEPTH)
			continue;
		barrier_var(n);
		if (n >= VIGIL_CALL_FRAMES)
			break;
		out[n] = st->frames[u];
		n++;
	}
	return n;
}

#endif
