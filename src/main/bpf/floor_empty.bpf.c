// SPDX-License-Identifier: GPL-2.0
/*
 * The floor: an empty program on the same tracepoint as the histogram. Every syscall
 * probe pays at least this much; bench/ measures vigil's programs against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/raw_syscalls/sys_enter")
int vigil_floor(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* The same empty program on the BTF-enabled raw tracepoint `watch` uses (the floor of tp_btf). */
SEC("tp_btf/sys_enter")
int vigil_floor_btf(void *ctx)
{
	return 0;
}

/* The floor of a probe that also judges calls at their exit (workload.bpf.c): empty on both. */
SEC("tp_btf/sys_exit")
int vigil_floor_btf_exit(void *ctx)
{
	return 0;
}

/* The floor of a custom probe (bench/probes.sh): an empty uprobe, attached where vigil's
 * probe would be (a function's entry, or a USDT probe's address). */
SEC("uprobe")
int vigil_floor_uprobe(void *ctx)
{
	return 0;
}
