// SPDX-License-Identifier: GPL-2.0
/*
 * File deletions: the syscalls/sys_enter_{unlink,unlinkat,rmdir} tracepoints with the path
 * as the caller passed it (relative paths are relative to the caller's working directory or
 * dfd; user space resolves them through /proc when it can). kprobes (the BCC example's
 * vfs_unlink) are compiled out on some kernels; tracepoints are always there.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "collect.h"

VIGIL_WIRE_STRUCT(vigil_unlink_event);

static __always_inline int deleted(struct trace_event_raw_sys_enter *ctx, int dfd, const char *path, __u32 flags)
{
	if (!vigil_pass())
		return 0;
	struct vigil_unlink_event *e = vigil_reserve(sizeof(*e));
	if (!e)
		return 0;
	vigil_header(&e->h, VIGIL_EV_UNLINK);
	e->syscall = (__u32)ctx->id;
	e->dfd = dfd;
	e->flags = flags;
	e->_pad = 0;
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), path) < 0)
		e->path[0] = 0;
	vigil_submit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int vigil_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return deleted(ctx, (int)ctx->args[0], (const char *)ctx->args[1], (__u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int vigil_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return deleted(ctx, -100, (const char *)ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_enter_rmdir")
int vigil_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return deleted(ctx, -100, (const char *)ctx->args[0], 0x200);
}

char LICENSE[] SEC("license") = "GPL";
