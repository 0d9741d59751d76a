/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ONLY definition of structs that cross the kernel/user boundary through ring
 * buffers. Every struct starts with a __u32 type, uses fixed-width fields and explicit
 * padding. dev.vigil.bpf.WireLayoutTest checks each Java StructLayout against the BTF
 * of the compiled objects, so the two cannot drift.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#define VIGIL_MAX_SYSCALLS 512

/* Emits a wire struct into the object's BTF (types only used by locals are dropped), so
 * the layout test can compare it with Java. Costs one pointer in .bss. */
#define VIGIL_WIRE_STRUCT(name) const struct name *__vigil_wire_##name __attribute__((unused))

enum vigil_event_type {
	VIGIL_EV_TEST = 1,
};

/* Emitted by the ring-buffer self-test program (src/test/bpf/ringbuf_test.bpf.c). */
struct vigil_test_event {
	__u32 type;      /* VIGIL_EV_TEST */
	__u32 pid;       /* thread id that made the call */
	__u32 tgid;      /* process id */
	__u32 _pad;
	__u64 seq;       /* per-program sequence number, from 1 */
	__u64 ktime_ns;  /* bpf_ktime_get_ns() at the call */
};

#endif
