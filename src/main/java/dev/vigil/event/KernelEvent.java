package dev.vigil.event;

import java.util.List;

/**
 * What the collectors of `vigil trace` deliver: discrete events from ring buffers (exec,
 * exit, unlink, risky) and periodic samples of in-kernel aggregates (net, resource,
 * syscalls). Immutable.
 */
public sealed interface KernelEvent {
    /** The collector that produced it. */
    String collector();

    /** Who did it (the common header of every ring-buffer event). */
    record Who(int pid, int tgid, int ppid, int uid, long ktimeNs, long cgroup, String comm) {}

    /**
     * A program execution. filename is the path as the caller passed it; exe the file the
     * kernel executed, its path walked in the kernel (for a script, its interpreter; "" when
     * not known: a replay of an old recording); slot and slotCgroup the workload slot the
     * process came from (its parent's when forked, kept in the kernel: a double fork or a
     * dead parent does not change it; 0 when not known) and the cgroup that slot began in.
     */
    record Exec(Who who, String filename, List<String> argv, boolean truncated, String parentExe, String exe, int flags, int slot, long slotCgroup,
                Namespaces ns) implements KernelEvent {
        /** flags: filename was a script (exe is its interpreter); the executed file has no link left (deleted, a memfd). */
        public static final int SCRIPT = 1, DELETED = 2, RUNTIME_INIT = 4;

        public Exec {
            parentExe = parentExe == null ? "" : parentExe;
            exe = exe == null ? "" : exe;
            ns = ns == null ? Namespaces.UNKNOWN : ns;
        }

        public Exec(Who who, String filename, List<String> argv, boolean truncated, String parentExe, String exe, int flags, int slot, long slotCgroup) {
            this(who, filename, argv, truncated, parentExe, exe, flags, slot, slotCgroup, Namespaces.UNKNOWN);
        }

        public Exec(Who who, String filename, List<String> argv, boolean truncated, String parentExe) {
            this(who, filename, argv, truncated, parentExe, "", 0, 0, 0);
        }

        /** An exec whose parent's executable is not known. */
        public Exec(Who who, String filename, List<String> argv, boolean truncated) {
            this(who, filename, argv, truncated, "");
        }

        public String collector() { return "exec"; }
    }

    /**
     * A process's mount namespace and pid namespaces at an exec, by inode number (what
     * /proc/PID/ns/mnt and /proc/PID/ns/pid name), read in the kernel: pids holds the pid
     * namespace of each level from the host's (0) up to its own (level), the first 4 of them;
     * none when unknown (a recording made before).
     */
    record Namespaces(long mnt, int level, List<Long> pids) {
        public static final Namespaces UNKNOWN = new Namespaces(0, 0, List.of());

        public Namespaces {
            pids = List.copyOf(pids);
        }

        public boolean known() { return mnt != 0 && !pids.isEmpty() && pids.getFirst() != 0; }

        /** Its own pid namespace, or 0 when deeper than the levels read. */
        public long pid() { return level < pids.size() ? pids.get(level) : 0; }

        /**
         * Whether it is in pid namespace ns or below it; true when that cannot be told (unknown, or ns not among the
         * levels read while it is deeper than them).
         */
        public boolean inOrBelow(long ns) {
            if (!known() || ns == 0 || pids.contains(ns)) return true;
            return level >= pids.size();
        }
    }

    /** A process ended: status as wait(2) reports it (code << 8 | signal). */
    record Exit(Who who, int status, long lifetimeNs) implements KernelEvent {
        public String collector() { return "exec"; }
        public int code() { return code(status); }
        public int signal() { return signal(status); }

        /** The exit code of a wait(2) status (0 when a signal ended the process). */
        public static int code(int status) { return (status >> 8) & 0xff; }

        /** The signal that ended the process, 0 when it exited. */
        public static int signal(int status) { return status & 0x7f; }
    }

    /** A file deletion; path as passed (relative to dfd or the working directory when not absolute). */
    record Unlink(Who who, String syscall, int dfd, int flags, String path) implements KernelEvent {
        public String collector() { return "unlink"; }
    }

    /** A high-risk call: name, raw arguments, its string argument and a decoded summary. */
    record Risky(Who who, int number, String syscall, long[] args, String str, String detail) implements KernelEvent {
        public String collector() { return "risky"; }
    }

    /**
     * workload.bpf.c: a process began a workload slot (NEW), began an existing one again
     * (ROOT: a restart), or was running before vigil and was given one (RUNNING; filename and
     * argv then come from /proc).
     */
    /**
     * A workload slot's process started; exe, flags and the slot it came from (fromSlot,
     * fromCgroup) as in {@link Exec} (exe is empty for RUNNING: user space reads /proc).
     */
    record Slot(Who who, int slot, int reason, String filename, List<String> argv, boolean truncated, String exe, int flags, int fromSlot,
                long fromCgroup, Namespaces ns) implements KernelEvent {
        public static final int NEW = 1, ROOT = 2, RUNNING = 3;

        public Slot {
            exe = exe == null ? "" : exe;
            ns = ns == null ? Namespaces.UNKNOWN : ns;
        }

        public Slot(Who who, int slot, int reason, String filename, List<String> argv, boolean truncated, String exe, int flags, int fromSlot, long fromCgroup) {
            this(who, slot, reason, filename, argv, truncated, exe, flags, fromSlot, fromCgroup, Namespaces.UNKNOWN);
        }

        public Slot(Who who, int slot, int reason, String filename, List<String> argv, boolean truncated) {
            this(who, slot, reason, filename, argv, truncated, "", 0, 0, 0);
        }

        public String collector() { return "workload"; }
    }

    /**
     * workload.bpf.c: the first sight of an item in a workload slot, raw: kind (SYSCALL,
     * FILE, NET, RISKY), the call, its action and result, flags (open flags, chmod mode,
     * socket type), the address (family, port, class, bytes), a path as passed and the
     * directory a relative one is relative to, a risky call's raw arguments and string; in: the
     * probed functions (custom probes with a return pair) the call was made in, innermost first.
     */
    record Item(Who who, int slot, int kind, int syscall, String call, int action, long ret, long flags, long[] args, int family, int port,
                int netClass, byte[] addr, long hash, String path, String dir, String real, List<String> in, UserStack stack) implements KernelEvent {
        public Item {
            real = real == null ? "" : real;
            in = in == null ? List.of() : List.copyOf(in);
            stack = stack == null ? UserStack.NONE : stack;
        }

        /** An item without its user stack (recorded before vigil read them). */
        public Item(Who who, int slot, int kind, int syscall, String call, int action, long ret, long flags, long[] args, int family, int port,
                    int netClass, byte[] addr, long hash, String path, String dir, String real, List<String> in) {
            this(who, slot, kind, syscall, call, action, ret, flags, args, family, port, netClass, addr, hash, path, dir, real, in, UserStack.NONE);
        }

        /** An item made outside any probed function (no custom probes with a return pair). */
        public Item(Who who, int slot, int kind, int syscall, String call, int action, long ret, long flags, long[] args, int family, int port,
                    int netClass, byte[] addr, long hash, String path, String dir, String real) {
            this(who, slot, kind, syscall, call, action, ret, flags, args, family, port, netClass, addr, hash, path, dir, real, List.of());
        }

        /** An item without the opened file's own path (not an open, or recorded before vigil read it). */
        public Item(Who who, int slot, int kind, int syscall, String call, int action, long ret, long flags, long[] args, int family, int port,
                    int netClass, byte[] addr, long hash, String path, String dir) {
            this(who, slot, kind, syscall, call, action, ret, flags, args, family, port, netClass, addr, hash, path, dir, "");
        }

        public static final int SYSCALL = 1, FILE = 2, NET = 3, RISKY = 4;
        /** enum vigil_call_action in events.h. */
        public static final int ACT_OPEN = 1, ACT_OPENAT = 2, ACT_OPENAT2 = 3, ACT_CREAT = 4, ACT_UNLINK = 5, ACT_UNLINKAT = 6, ACT_RENAME = 7,
                        ACT_RENAMEAT = 8, ACT_CHMOD = 9, ACT_FCHMODAT = 10, ACT_CONNECT = 11, ACT_BIND = 12, ACT_LISTEN = 13, ACT_ACCEPT = 14, ACT_RISKY = 15,
                        ACT_LINK = 16, ACT_LINKAT = 17, ACT_SYMLINK = 18, ACT_SYMLINKAT = 19;
        /** enum vigil_net_class. */
        public static final int NET_ANY = 1, NET_LOOPBACK = 2, NET_PRIVATE = 3, NET_LINK_LOCAL = 4, NET_MULTICAST = 5, NET_PUBLIC = 6, NET_UNIX = 7;
        public String collector() { return "workload"; }
    }

    /**
     * The user stack of a thread at a call, as the kernel read it (workload.bpf.c, first sights
     * only): its registers and the return addresses of the kernel's frame-pointer walk,
     * innermost first (frames[0] the instruction pointer); error: why none were read; the
     * stack's bytes from sp up (to unwind code without frame pointers by its .eh_frame).
     */
    /**
     * A process's executable mappings as the kernel saw them before the first stack of the program it runs crossed
     * (workload.bpf.c): for a process gone, or exec'd into another program, before user space reads /proc/PID/maps.
     * total: executable mappings in all (more than vmas: the rest were not sent).
     */
    record Maps(Who who, List<Vma> vmas, int total) implements KernelEvent {
        public Maps {
            vmas = List.copyOf(vmas);
        }

        @Override
        public String collector() { return "workload"; }

        /** One executable mapping: offset in the file; dev the kernel's dev_t (major << 20 | minor); ino 0 anonymous; name the file's last component. */
        public record Vma(long start, long end, long offset, long ino, int dev, int flags, String name) {
            public static final int WRITE = 1, DELETED = 2, VDSO = 4, UPROBES = 8;
        }
    }

    /**
     * shortened: the kernel copied less of the stack than it could (its ring was filling), so the stack may end early;
     * di: the thread's rdi (glibc's vfork holds its return address there during the call).
     */
    record UserStack(long ip, long sp, long bp, long[] frames, int error, byte[] snapshot, boolean shortened, long di) {
        public static final UserStack NONE = new UserStack(0, 0, 0, new long[0], 0, new byte[0]);

        public UserStack(long ip, long sp, long bp, long[] frames, int error, byte[] snapshot) { this(ip, sp, bp, frames, error, snapshot, false, 0); }

        public UserStack(long ip, long sp, long bp, long[] frames, int error, byte[] snapshot, boolean shortened) {
            this(ip, sp, bp, frames, error, snapshot, shortened, 0);
        }

        public UserStack {
            frames = frames == null ? new long[0] : frames.clone();
            snapshot = snapshot == null ? new byte[0] : snapshot.clone();
        }

        public boolean isEmpty() { return frames.length == 0; }
    }

    /**
     * A custom probe fired (probes.bpf.c): which probe, hit (a tracepoint, a probe without a
     * return), entry or return; the thread's depth of paired calls (1: the outermost); the
     * captured values by name (arguments as arg0.., a tracepoint's fields by their names);
     * a uretprobe's return value; the chain of functions, innermost first, and how many
     * frames deeper than the kernel keeps were left out; slot the workload slot of the thread
     * (0: not known: the agent's exec probe was not running, or outside the agent).
     */
    record Probe(Who who, int id, int slot, String probe, String phase, int depth, Long ret, java.util.Map<String, Object> values,
                 List<String> frames) implements KernelEvent {
        public Probe {
            values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
            frames = List.copyOf(frames);
        }

        public static final String HIT = "hit", ENTRY = "entry", RETURN = "return";

        public String collector() { return "probes"; }

        /** The innermost function, or "" outside any probed function. */
        public String function() { return frames.isEmpty() ? "" : frames.getFirst(); }
    }

    /** Traffic of one (family, protocol, source, destination) in one period, and its totals. */
    record Flow(int family, String protocol, String src, String dst, long packets, long bytes, long totalPackets, long totalBytes) {}

    record NetSample(String iface, double periodSeconds, List<Flow> flows, long frames, long nonIp) implements KernelEvent {
        public String collector() { return "net"; }
    }

    /** One process in a period: CPU share (100 = one CPU), on-CPU time and system calls. */
    record ProcUsage(int pid, String comm, int uid, double cpuPercent, long oncpuNs, long syscalls, double syscallsPerSecond) {}

    record ResourceSample(double periodSeconds, List<ProcUsage> top, int processes) implements KernelEvent {
        public String collector() { return "resource"; }
    }

    /** Calls of one process in a period, by name, most frequent first. */
    record SyscallSample(long pid, double periodSeconds, List<java.util.Map.Entry<String, Long>> counts, long total) implements KernelEvent {
        public String collector() { return "syscalls"; }
    }

    /** sequence.bpf.c: an anomalous call, a profile's state change, a new profile. */
    sealed interface Sequence extends KernelEvent permits Anomaly, StateChange, NewProfile {
        int pid();
        int tgid();
        String comm();
        ProfileKey key();
        default String collector() { return "sequence"; }
    }

    /** A call with misses unseen pairs; window holds the calls before it, most recent first. */
    record Anomaly(int pid, int tgid, String comm, ProfileKey key, int syscall, int[] window, int misses, int lfc,
                   long calls, long anomalies, int state, long ktimeNs, UserStack stack) implements Sequence {
        public Anomaly {
            stack = stack == null ? UserStack.NONE : stack;
        }

        /** An anomaly without its stack (replayed, or from a build before stacks). */
        public Anomaly(int pid, int tgid, String comm, ProfileKey key, int syscall, int[] window, int misses, int lfc,
                       long calls, long anomalies, int state, long ktimeNs) {
            this(pid, tgid, comm, key, syscall, window, misses, lfc, calls, anomalies, state, ktimeNs, UserStack.NONE);
        }
    }

    record StateChange(int pid, int tgid, String comm, ProfileKey key, int state, int reason, int syscall, long calls,
                       long anomalies) implements Sequence {}

    record NewProfile(int pid, int tgid, String comm, ProfileKey key) implements Sequence {}
}
