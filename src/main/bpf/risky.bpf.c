// SPDX-License-Identifier: GPL-2.0
/*
 * High-risk system calls with their arguments, one syscalls/sys_enter_* tracepoint each,
 * so the rest of the system pays nothing: the list of syscall.RiskyCalls (the same calls
 * the workload probe's rules watch): ptrace and process_vm_*, set*id and capset, module
 * loading and removal, kexec, bpf, perf_event_open, mounts (and the new mount API),
 * pivot_root, chroot, unshare, setns, memfd_create, execveat, and kill/tgkill/tkill aimed
 * at another process. The string argument (memfd name, mount target, execveat path) is
 * copied; user space decodes the rest. Tracepoints the
 * kernel lacks (module calls without CONFIG_MODULES) are not loaded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "collect.h"

VIGIL_WIRE_STRUCT(vigil_risky_event);

/* nargs: the call's argument count. A program may not read past its tracepoint's record
 * (attach fails with EACCES), so each reads only the arguments its call has. */
static __always_inline int risky(struct trace_event_raw_sys_enter *ctx, int str_arg, int nargs)
{
	if (!vigil_pass())
		return 0;
	struct vigil_risky_event *e = vigil_reserve(sizeof(*e));
	if (!e)
		return 0;
	vigil_header(&e->h, VIGIL_EV_RISKY);
	e->syscall = (__u32)ctx->id;
	e->_pad = 0;
	/* each read at a constant offset: the verifier refuses a moved context pointer */
	__u64 a0 = nargs > 0 ? ctx->args[0] : 0, a1 = nargs > 1 ? ctx->args[1] : 0, a2 = nargs > 2 ? ctx->args[2] : 0;
	__u64 a3 = nargs > 3 ? ctx->args[3] : 0, a4 = nargs > 4 ? ctx->args[4] : 0, a5 = nargs > 5 ? ctx->args[5] : 0;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->args[5] = a5;
	e->str[0] = 0;
	__u64 s = str_arg == 0 ? a0 : str_arg == 1 ? a1 : str_arg == 2 ? a2 : str_arg == 3 ? a3 : 0;
	if (s && bpf_probe_read_user_str(e->str, sizeof(e->str), (const char *)s) < 0)
		e->str[0] = 0;
	vigil_submit(e);
	return 0;
}

/* kill(pid, sig) / tgkill(tgid, tid, sig) of another process (not itself, not signal 0). */
static __always_inline int signal_other(struct trace_event_raw_sys_enter *ctx, long target, long sig, int nargs)
{
	__u32 self = bpf_get_current_pid_tgid() >> 32;
	if (sig == 0 || target == (long)self)
		return 0;
	return risky(ctx, -1, nargs);
}

#define RISKY(call, str_arg, nargs) \
	SEC("tracepoint/syscalls/sys_enter_" #call) \
	int vigil_risky_##call(struct trace_event_raw_sys_enter *ctx) { return risky(ctx, str_arg, nargs); }

/* The list of syscall.RiskyCalls, in its order (a test checks the two against each other). */
RISKY(ptrace, -1, 4)
RISKY(process_vm_writev, -1, 6)
RISKY(process_vm_readv, -1, 6)
RISKY(setuid, -1, 1)
RISKY(setgid, -1, 1)
RISKY(setreuid, -1, 2)
RISKY(setregid, -1, 2)
RISKY(setresuid, -1, 3)
RISKY(setresgid, -1, 3)
RISKY(capset, -1, 2)
RISKY(init_module, 2, 3)
RISKY(finit_module, 1, 3)
RISKY(delete_module, 0, 2)
RISKY(kexec_load, -1, 4)
RISKY(kexec_file_load, -1, 5)
RISKY(bpf, -1, 3)
RISKY(perf_event_open, -1, 5)
RISKY(mount, 1, 5)
RISKY(umount, 0, 2)
RISKY(fsopen, 0, 2)
RISKY(fsmount, -1, 3)
RISKY(move_mount, 3, 5)
RISKY(pivot_root, 0, 2)
RISKY(chroot, 0, 1)
RISKY(unshare, -1, 1)
RISKY(setns, -1, 2)
RISKY(memfd_create, 0, 2)
RISKY(execveat, 1, 5)

SEC("tracepoint/syscalls/sys_enter_kill")
int vigil_risky_kill(struct trace_event_raw_sys_enter *ctx)
{
	return signal_other(ctx, (long)ctx->args[0], (long)ctx->args[1], 2);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int vigil_risky_tgkill(struct trace_event_raw_sys_enter *ctx)
{
	return signal_other(ctx, (long)ctx->args[0], (long)ctx->args[2], 3);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int vigil_risky_tkill(struct trace_event_raw_sys_enter *ctx)
{
	return signal_other(ctx, (long)ctx->args[0], (long)ctx->args[1], 2);
}

char LICENSE[] SEC("license") = "GPL";
