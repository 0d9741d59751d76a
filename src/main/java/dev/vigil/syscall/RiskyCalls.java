package dev.vigil.syscall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one list of high-risk calls: what the risky sensor (risky.bpf.c, one tracepoint each)
 * and the workload probe's rules (workload.bpf.c, dispatched on the call number) both watch,
 * and the decoding of their arguments into words. A test checks both against this list.
 * Static; thread-safe.
 */
public final class RiskyCalls {
    private RiskyCalls() {}

    /**
     * A high-risk call: its name in the call tables, and the name of its syscalls/sys_enter_*
     * tracepoint (the kernel names umount2's "umount").
     */
    public record Call(String name, String tracepoint) {
        static Call of(String name) { return new Call(name, name); }
    }

    /** Every high-risk call, in the order of risky.bpf.c. */
    public static final List<Call> ALL = List.of(Call.of("ptrace"), Call.of("process_vm_writev"), Call.of("process_vm_readv"),
            Call.of("setuid"), Call.of("setgid"), Call.of("setreuid"), Call.of("setregid"), Call.of("setresuid"), Call.of("setresgid"),
            Call.of("capset"), Call.of("init_module"), Call.of("finit_module"), Call.of("delete_module"), Call.of("kexec_load"),
            Call.of("kexec_file_load"), Call.of("bpf"), Call.of("perf_event_open"), Call.of("mount"), new Call("umount2", "umount"),
            Call.of("fsopen"), Call.of("fsmount"), Call.of("move_mount"), Call.of("pivot_root"), Call.of("chroot"), Call.of("unshare"),
            Call.of("setns"), Call.of("memfd_create"), Call.of("execveat"), Call.of("kill"), Call.of("tgkill"), Call.of("tkill"));

    /** The names of {@link #ALL}. */
    public static List<String> names() { return ALL.stream().map(Call::name).toList(); }

    private static final Map<Long, String> PTRACE = Map.ofEntries(Map.entry(0L, "TRACEME"), Map.entry(1L, "PEEKTEXT"),
            Map.entry(2L, "PEEKDATA"), Map.entry(3L, "PEEKUSER"), Map.entry(4L, "POKETEXT"), Map.entry(5L, "POKEDATA"),
            Map.entry(6L, "POKEUSER"), Map.entry(7L, "CONT"), Map.entry(8L, "KILL"), Map.entry(9L, "SINGLESTEP"),
            Map.entry(12L, "GETREGS"), Map.entry(13L, "SETREGS"), Map.entry(16L, "ATTACH"), Map.entry(17L, "DETACH"),
            Map.entry(24L, "SYSCALL"), Map.entry(0x4200L, "SETOPTIONS"), Map.entry(0x4201L, "GETEVENTMSG"),
            Map.entry(0x4202L, "GETSIGINFO"), Map.entry(0x4204L, "GETREGSET"), Map.entry(0x4205L, "SETREGSET"),
            Map.entry(0x4206L, "SEIZE"), Map.entry(0x4207L, "INTERRUPT"), Map.entry(0x4208L, "LISTEN"));
    private static final String[] BPF_CMDS = {"MAP_CREATE", "MAP_LOOKUP_ELEM", "MAP_UPDATE_ELEM", "MAP_DELETE_ELEM", "MAP_GET_NEXT_KEY",
        "PROG_LOAD", "OBJ_PIN", "OBJ_GET", "PROG_ATTACH", "PROG_DETACH", "PROG_TEST_RUN", "PROG_GET_NEXT_ID", "MAP_GET_NEXT_ID",
        "PROG_GET_FD_BY_ID", "MAP_GET_FD_BY_ID", "OBJ_GET_INFO_BY_FD", "PROG_QUERY", "RAW_TRACEPOINT_OPEN", "BTF_LOAD",
        "BTF_GET_FD_BY_ID", "TASK_FD_QUERY", "MAP_LOOKUP_AND_DELETE_ELEM", "MAP_FREEZE", "BTF_GET_NEXT_ID", "MAP_LOOKUP_BATCH",
        "MAP_LOOKUP_AND_DELETE_BATCH", "MAP_UPDATE_BATCH", "MAP_DELETE_BATCH", "LINK_CREATE", "LINK_UPDATE", "LINK_GET_FD_BY_ID",
        "LINK_GET_NEXT_ID", "ENABLE_STATS", "ITER_CREATE", "LINK_DETACH", "PROG_BIND_MAP", "TOKEN_CREATE"};
    private static final String[] SIGNALS = {"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
        "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    /** A readable summary of the arguments of call name (six raw arguments, its string argument). */
    public static String detail(String name, long[] a, String str) {
        return detail(name, a, str, RiskyCalls::liveComm);
    }

    /** The same, naming a target process by commOf (its comm, "" when unknown). */
    public static String detail(String name, long[] a, String str, java.util.function.IntFunction<String> commOf) {
        java.util.function.IntFunction<String> comm = pid -> {
            String c = pid <= 0 ? "" : commOf.apply(pid);
            return c == null || c.isEmpty() ? "" : " (" + c + ")";
        };
        return switch (name) {
            case "ptrace" -> "request=" + PTRACE.getOrDefault(a[0], Long.toString(a[0])) + " target=" + a[1] + comm.apply((int) a[1]);
            case "setuid" -> "uid=" + (int) a[0];
            case "setgid" -> "gid=" + (int) a[0];
            case "setresuid" -> "ruid=" + (int) a[0] + " euid=" + (int) a[1] + " suid=" + (int) a[2];
            case "setresgid" -> "rgid=" + (int) a[0] + " egid=" + (int) a[1] + " sgid=" + (int) a[2];
            case "init_module" -> "size=" + a[1] + " params=\"" + str + "\"";
            case "finit_module" -> "fd=" + (int) a[0] + " params=\"" + str + "\" flags=0x" + Long.toHexString(a[2]);
            case "delete_module" -> "name=" + str + " flags=0x" + Long.toHexString(a[1]);
            case "bpf" -> "cmd=" + (a[0] >= 0 && a[0] < BPF_CMDS.length ? BPF_CMDS[(int) a[0]] : Long.toString(a[0])) + " size=" + a[2];
            case "mount" -> "target=" + str + " flags=0x" + Long.toHexString(a[3]);
            case "umount" -> "target=" + str + " flags=0x" + Long.toHexString(a[1]);
            case "fsmount" -> "fs_fd=" + (int) a[0] + " flags=0x" + Long.toHexString(a[1]);
            case "move_mount" -> "to=" + str;
            case "memfd_create" -> "name=" + str + " flags=0x" + Long.toHexString(a[1]);
            case "execveat" -> "dfd=" + (int) a[0] + " path=" + str + " flags=0x" + Long.toHexString(a[4]);
            case "kill" -> "target=" + (int) a[0] + comm.apply((int) a[0]) + " signal=" + signal(a[1]);
            case "tgkill" -> "target=" + (int) a[0] + comm.apply((int) a[0]) + " thread=" + (int) a[1] + " signal=" + signal(a[2]);
            case "tkill" -> "thread=" + (int) a[0] + comm.apply((int) a[0]) + " signal=" + signal(a[1]);
            case "process_vm_writev", "process_vm_readv" -> "target=" + (int) a[0] + comm.apply((int) a[0]);
            case "umount2" -> "target=" + str + " flags=0x" + Long.toHexString(a[1]);
            case "unshare" -> "flags=0x" + Long.toHexString(a[0]);
            case "setns" -> "fd=" + (int) a[0] + " nstype=0x" + Long.toHexString(a[1]);
            case "setreuid", "setregid" -> "real=" + (int) a[0] + " effective=" + (int) a[1];
            case "fsopen" -> "fs=" + str;
            case "chroot", "pivot_root" -> "path=" + str;
            default -> str.isEmpty() ? "args=" + a[0] + "," + a[1] + "," + a[2] : "\"" + str + "\"";
        };
    }

    public static String signal(long s) {
        return s >= 0 && s < SIGNALS.length ? SIGNALS[(int) s] : Long.toString(s);
    }

    /** The comm of a live process, or "" (it may be gone). */
    public static String liveComm(int pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
