package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.vigil.event.KernelEvent.Who;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Java side of the collector structs in events.h; a test checks each layout against BTF. */
public final class EventWire {
    private EventWire() {}

    public static final int EV_EXEC = 10, EV_EXIT = 11, EV_UNLINK = 12, EV_RISKY = 13;
    static final int PATH_MAX = 256, ARGS_MAX = 512, PID_LEVELS = 4;

    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("pid"), JAVA_INT.withName("tgid"), JAVA_INT.withName("ppid"),
            JAVA_INT.withName("uid"), JAVA_INT.withName("_pad"), JAVA_LONG.withName("ktime_ns"), JAVA_LONG.withName("cgroup"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("comm")).withName("vigil_event_header");

    public static final StructLayout EXEC = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("args_len"), JAVA_INT.withName("args_total"),
            JAVA_INT.withName("slot"), JAVA_INT.withName("flags"), JAVA_LONG.withName("slot_cgroup"), JAVA_INT.withName("mnt_ns"), JAVA_INT.withName("pid_level"),
            MemoryLayout.sequenceLayout(PID_LEVELS, JAVA_INT).withName("pid_ns"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("exe"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("filename"),
            MemoryLayout.sequenceLayout(ARGS_MAX, JAVA_BYTE).withName("args"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("parent_exe")).withName("vigil_exec_event");

    public static final StructLayout EXIT = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("exit_code"), JAVA_INT.withName("_pad"), JAVA_LONG.withName("lifetime_ns"))
            .withName("vigil_exit_event");

    public static final StructLayout UNLINK = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("syscall"), JAVA_INT.withName("dfd"), JAVA_INT.withName("flags"), JAVA_INT.withName("_pad"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("path")).withName("vigil_unlink_event");

    public static final StructLayout RISKY = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("syscall"), JAVA_INT.withName("_pad"),
            MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("args"),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("str")).withName("vigil_risky_event");

    public static final StructLayout FLOW_KEY = MemoryLayout.structLayout(
            JAVA_BYTE.withName("family"), JAVA_BYTE.withName("proto"), JAVA_SHORT.withName("_pad"), JAVA_INT.withName("_pad2"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("src"), MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("dst"))
            .withName("vigil_flow_key");

    public static final StructLayout FLOW = MemoryLayout.structLayout(JAVA_LONG.withName("packets"), JAVA_LONG.withName("bytes"))
            .withName("vigil_flow");

    public static final StructLayout PROC_USAGE = MemoryLayout.structLayout(
            JAVA_LONG.withName("oncpu_ns"), JAVA_LONG.withName("syscalls"), JAVA_INT.withName("uid"), JAVA_INT.withName("_pad"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("comm")).withName("vigil_proc_usage");

    /** record.bpf.c: one system call, and a process's fork, exec or exit. */
    public static final int EV_REC_CALL = 20, EV_REC_FORK = 21, EV_REC_EXEC = 22, EV_REC_EXIT = 23, EV_REC_CALL_IN = 24;

    /** A probed function a thread is in (probes.bpf.c's probe_stacks); CALL_FRAMES of them go with a recorded call or a first sight. */
    public static final StructLayout PROBE_FRAME = MemoryLayout.structLayout(
            JAVA_INT.withName("probe"), JAVA_INT.withName("emitted"), JAVA_LONG.withName("key")).withName("vigil_probe_frame");

    static final int CALL_FRAMES = 4, USER_STACK = 32, STACK_SNAP = 8192;

    /** A thread's user stack at a call (stack.h), the last member of item and sequence-anomaly events. */
    public static final StructLayout USER_STACK_LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nstack"), JAVA_INT.withName("stack_err"), MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("regs"),
            MemoryLayout.sequenceLayout(USER_STACK, JAVA_LONG).withName("stack"), JAVA_INT.withName("snap_len"), JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(STACK_SNAP, JAVA_BYTE).withName("snap")).withName("vigil_user_stack");
    /** workload.bpf.c's spawn_stacks ring: a fork's child, its sequence number and its parent's stack cut at SPAWN_SNAP bytes. */
    static final int SPAWN_SNAP = 4096, SPAWN_RING = 512;
    public static final StructLayout SPAWN_STACK = MemoryLayout.structLayout(
            JAVA_LONG.withName("seq"), JAVA_INT.withName("pid"), JAVA_INT.withName("_pad"),
            MemoryLayout.sequenceLayout(USER_STACK_LAYOUT.byteSize() - STACK_SNAP, JAVA_BYTE).withName("head"),
            MemoryLayout.sequenceLayout(SPAWN_SNAP, JAVA_BYTE).withName("snap")).withName("vigil_spawn_stack");
    static final long SPAWN_SEQ = at(SPAWN_STACK, "seq"), SPAWN_PID = at(SPAWN_STACK, "pid"), SPAWN_HEAD = at(SPAWN_STACK, "head");
    static final long US_NSTACK = at(USER_STACK_LAYOUT, "nstack"), US_ERR = at(USER_STACK_LAYOUT, "stack_err"), US_REGS = at(USER_STACK_LAYOUT, "regs"),
            US_STACK = at(USER_STACK_LAYOUT, "stack"), US_SNAP_LEN = at(USER_STACK_LAYOUT, "snap_len"), US_SNAP = at(USER_STACK_LAYOUT, "snap"),
            US_FLAGS = at(USER_STACK_LAYOUT, "flags");

    /** The user stack at offset base of a record (padded to its full size by the caller). */
    static dev.vigil.event.KernelEvent.UserStack userStack(MemorySegment s, long base) {
        int n = Math.max(0, Math.min(USER_STACK, s.get(I, base + US_NSTACK)));
        long[] f = new long[n];
        for (int i = 0; i < n; i++) f[i] = s.get(L, base + US_STACK + 8L * i);
        int snap = Math.max(0, Math.min(STACK_SNAP, s.get(I, base + US_SNAP_LEN)));
        byte[] bytes = new byte[snap];
        MemorySegment.copy(s, JAVA_BYTE, base + US_SNAP, bytes, 0, snap);
        return new dev.vigil.event.KernelEvent.UserStack(s.get(L, base + US_REGS), s.get(L, base + US_REGS + 8), s.get(L, base + US_REGS + 16), f,
                s.get(I, base + US_ERR), bytes, (s.get(I, base + US_FLAGS) & 1) != 0, s.get(L, base + US_REGS + 24));
    }

    public static final StructLayout REC_CALL = MemoryLayout.structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("tid"), JAVA_INT.withName("tgid"), JAVA_INT.withName("nr"))
            .withName("vigil_rec_call");

    public static final StructLayout REC_CALL_IN = MemoryLayout.structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("tid"), JAVA_INT.withName("tgid"), JAVA_INT.withName("nr"),
            JAVA_INT.withName("depth"), JAVA_INT.withName("nframes"), MemoryLayout.sequenceLayout(CALL_FRAMES, PROBE_FRAME).withName("frames"))
            .withName("vigil_rec_call_in");

    public static final StructLayout REC_PROC = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("other"), JAVA_INT.withName("exit_code"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("filename")).withName("vigil_rec_proc");

    /** workload.bpf.c: a workload slot's process started; a workload's first sight of an item. */
    public static final int EV_SLOT = 30, EV_ITEM = 31;

    public static final StructLayout SLOT_EVENT = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("slot"), JAVA_INT.withName("reason"), JAVA_INT.withName("args_len"),
            JAVA_INT.withName("args_total"), JAVA_INT.withName("flags"), JAVA_INT.withName("from_slot"), JAVA_LONG.withName("from_cgroup"),
            JAVA_INT.withName("mnt_ns"), JAVA_INT.withName("pid_level"),
            MemoryLayout.sequenceLayout(PID_LEVELS, JAVA_INT).withName("pid_ns"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("exe"), MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("filename"),
            MemoryLayout.sequenceLayout(ARGS_MAX, JAVA_BYTE).withName("args")).withName("vigil_slot_event");

    public static final StructLayout ITEM_EVENT = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("slot"), JAVA_INT.withName("kind"), JAVA_INT.withName("syscall"),
            JAVA_INT.withName("action"), JAVA_LONG.withName("ret"), JAVA_LONG.withName("flags"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("args"), JAVA_SHORT.withName("family"), JAVA_SHORT.withName("port"),
            JAVA_INT.withName("net_class"), MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("addr"), JAVA_LONG.withName("hash"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("path"), MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("dir"),
            MemoryLayout.sequenceLayout(PATH_MAX, JAVA_BYTE).withName("real"), JAVA_INT.withName("depth"), JAVA_INT.withName("nframes"),
            MemoryLayout.sequenceLayout(CALL_FRAMES, PROBE_FRAME).withName("frames"), USER_STACK_LAYOUT.withName("ustack"))
            .withName("vigil_item_event");

    /** workload.bpf.c: a process's executable mappings, sent before the first stack of each program it runs. */
    public static final int EV_MAPS = 32, MAPS_MAX = 64, VMA_NAME = 48;

    public static final StructLayout VMA = MemoryLayout.structLayout(
            JAVA_LONG.withName("start"), JAVA_LONG.withName("end"), JAVA_LONG.withName("offset"), JAVA_LONG.withName("ino"), JAVA_INT.withName("dev"),
            JAVA_INT.withName("flags"), MemoryLayout.sequenceLayout(VMA_NAME, JAVA_BYTE).withName("name")).withName("vigil_vma");

    public static final StructLayout MAPS_EVENT = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("n"), JAVA_INT.withName("total"), MemoryLayout.sequenceLayout(MAPS_MAX, VMA).withName("vma"))
            .withName("vigil_maps_event");
    static final long MAPS_N = at(MAPS_EVENT, "n"), MAPS_TOTAL = at(MAPS_EVENT, "total"), MAPS_VMA = at(MAPS_EVENT, "vma"),
            VMA_START = at(VMA, "start"), VMA_END = at(VMA, "end"), VMA_OFFSET = at(VMA, "offset"), VMA_INO = at(VMA, "ino"), VMA_DEV = at(VMA, "dev"),
            VMA_FLAGS = at(VMA, "flags"), VMA_NAME_AT = at(VMA, "name");

    public static final StructLayout SEEN_KEY = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"), JAVA_INT.withName("kind"), JAVA_LONG.withName("hash")).withName("vigil_seen_key");

    public static final StructLayout SEEN = MemoryLayout.structLayout(
            JAVA_INT.withName("novel"), JAVA_INT.withName("_pad"), JAVA_LONG.withName("repeats")).withName("vigil_seen");

    public static final StructLayout CALL_RULE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("action"), JAVA_BYTE.withName("key_arg"), JAVA_BYTE.withName("str_arg"), JAVA_BYTE.withName("key_mode"),
            JAVA_BYTE.withName("target_arg"), JAVA_BYTE.withName("signal_arg"), JAVA_SHORT.withName("_pad")).withName("vigil_call_rule");

    public static final StructLayout SLOT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(8, JAVA_LONG).withName("calls"), JAVA_LONG.withName("activity"), JAVA_INT.withName("ignored"),
            JAVA_INT.withName("_pad"))
            .withName("vigil_slot");

    public static final StructLayout SLOT_KEY = MemoryLayout.structLayout(
            JAVA_LONG.withName("cgroup"), JAVA_LONG.withName("ino"), JAVA_INT.withName("dev"), JAVA_INT.withName("_pad"), JAVA_LONG.withName("argv_hash"))
            .withName("vigil_slot_key");

    /** probes.bpf.c: a custom probe fired; the spec of a probe; a thread's frames. */
    public static final int EV_PROBE = 40;
    static final int PROBE_ARGS = 6, PROBE_STRS = 3, PROBE_STR = 128, PROBE_RAW = 256, PROBE_DEPTH = 16, PROBE_FRAMES = 8, PROBE_ARG_FILTERS = 2;

    public static final StructLayout PROBE_ARG_FILTER = MemoryLayout.structLayout(
            JAVA_BYTE.withName("slot"), JAVA_BYTE.withName("op"), JAVA_SHORT.withName("_pad"), JAVA_INT.withName("_pad2"),
            JAVA_LONG.withName("value")).withName("vigil_probe_arg_filter");

    public static final StructLayout PROBE_SPEC = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"), JAVA_INT.withName("filters"),
            MemoryLayout.sequenceLayout(PROBE_ARGS, JAVA_BYTE).withName("arg_type"),
            MemoryLayout.sequenceLayout(PROBE_ARGS, JAVA_BYTE).withName("arg_src"),
            MemoryLayout.sequenceLayout(PROBE_ARGS, JAVA_BYTE).withName("arg_len"),
            MemoryLayout.sequenceLayout(PROBE_ARGS, JAVA_BYTE).withName("arg_str"),
            JAVA_BYTE.withName("frame_slot"), JAVA_BYTE.withName("str_slots"), MemoryLayout.sequenceLayout(2, JAVA_BYTE).withName("_pad"),
            JAVA_INT.withName("raw_size"), MemoryLayout.sequenceLayout(PROBE_STRS, JAVA_SHORT).withName("data_loc"),
            JAVA_SHORT.withName("_pad2"),
            MemoryLayout.sequenceLayout(PROBE_ARG_FILTERS, PROBE_ARG_FILTER).withName("arg_filter")).withName("vigil_probe_spec");

    public static final StructLayout PROBE_STACK = MemoryLayout.structLayout(
            JAVA_INT.withName("depth"), JAVA_INT.withName("_pad"),
            MemoryLayout.sequenceLayout(PROBE_DEPTH, PROBE_FRAME).withName("frames")).withName("vigil_probe_stack");

    public static final StructLayout PROBE_EVENT = MemoryLayout.structLayout(
            HEADER.withName("h"), JAVA_INT.withName("probe"), JAVA_INT.withName("phase"), JAVA_INT.withName("depth"),
            JAVA_INT.withName("nframes"), JAVA_INT.withName("slot"), JAVA_INT.withName("pad"), JAVA_LONG.withName("ret"),
            MemoryLayout.sequenceLayout(PROBE_ARGS, JAVA_LONG).withName("args"),
            MemoryLayout.sequenceLayout(PROBE_STRS, JAVA_INT).withName("str_len"), JAVA_INT.withName("raw_len"),
            MemoryLayout.sequenceLayout(PROBE_FRAMES, PROBE_FRAME).withName("frames"),
            MemoryLayout.sequenceLayout(PROBE_STRS, MemoryLayout.sequenceLayout(PROBE_STR, JAVA_BYTE)).withName("str"),
            MemoryLayout.sequenceLayout(PROBE_RAW, JAVA_BYTE).withName("raw")).withName("vigil_probe_event");

    static final long PE_PROBE = at(PROBE_EVENT, "probe"), PE_PHASE = at(PROBE_EVENT, "phase"), PE_DEPTH = at(PROBE_EVENT, "depth"),
            PE_NFRAMES = at(PROBE_EVENT, "nframes"), PE_SLOT = at(PROBE_EVENT, "slot"), PE_RET = at(PROBE_EVENT, "ret"), PE_ARGS = at(PROBE_EVENT, "args"),
            PE_STR_LEN = at(PROBE_EVENT, "str_len"), PE_RAW_LEN = at(PROBE_EVENT, "raw_len"), PE_FRAMES = at(PROBE_EVENT, "frames"),
            PE_STR = at(PROBE_EVENT, "str"), PE_RAW = at(PROBE_EVENT, "raw");
    static final long PS_FLAGS = at(PROBE_SPEC, "flags"), PS_FILTERS = at(PROBE_SPEC, "filters"), PS_ARG_TYPE = at(PROBE_SPEC, "arg_type"),
            PS_ARG_SRC = at(PROBE_SPEC, "arg_src"), PS_ARG_LEN = at(PROBE_SPEC, "arg_len"), PS_ARG_STR = at(PROBE_SPEC, "arg_str"),
            PS_FRAME_SLOT = at(PROBE_SPEC, "frame_slot"), PS_STR_SLOTS = at(PROBE_SPEC, "str_slots"), PS_RAW_SIZE = at(PROBE_SPEC, "raw_size"), PS_DATA_LOC = at(PROBE_SPEC, "data_loc"),
            PS_ARG_FILTER = at(PROBE_SPEC, "arg_filter");

    static final ValueLayout.OfInt I = JAVA_INT.withByteAlignment(1);
    static final ValueLayout.OfLong L = JAVA_LONG.withByteAlignment(1);

    /** The byte offset of a member (a path of names) in a layout: decoders read only through the BTF-checked layouts. */
    static long at(StructLayout l, String... path) {
        return l.byteOffset(java.util.Arrays.stream(path).map(MemoryLayout.PathElement::groupElement).toArray(MemoryLayout.PathElement[]::new));
    }

    /** The size in bytes of a member (a char array's capacity). */
    static int sizeOf(StructLayout l, String member) {
        return (int) l.select(MemoryLayout.PathElement.groupElement(member)).byteSize();
    }

    static final long H_PID = at(HEADER, "pid"), H_TGID = at(HEADER, "tgid"), H_PPID = at(HEADER, "ppid"), H_UID = at(HEADER, "uid"),
            H_KTIME = at(HEADER, "ktime_ns"), H_CGROUP = at(HEADER, "cgroup"), H_COMM = at(HEADER, "comm");
    static final int COMM_LEN = sizeOf(HEADER, "comm");
    static final long EXEC_ARGS_LEN = at(EXEC, "args_len"), EXEC_ARGS_TOTAL = at(EXEC, "args_total"), EXEC_FILENAME = at(EXEC, "filename"),
            EXEC_ARGS = at(EXEC, "args"), EXEC_PARENT_EXE = at(EXEC, "parent_exe"), EXEC_SLOT = at(EXEC, "slot"), EXEC_FLAGS = at(EXEC, "flags"),
            EXEC_SLOT_CGROUP = at(EXEC, "slot_cgroup"), EXEC_EXE = at(EXEC, "exe"), EXEC_MNT_NS = at(EXEC, "mnt_ns"), EXEC_PID_NS = at(EXEC, "pid_ns");
    static final long EXIT_CODE = at(EXIT, "exit_code"), EXIT_LIFETIME = at(EXIT, "lifetime_ns");
    static final long UNLINK_SYSCALL = at(UNLINK, "syscall"), UNLINK_DFD = at(UNLINK, "dfd"), UNLINK_FLAGS = at(UNLINK, "flags"),
            UNLINK_PATH = at(UNLINK, "path");
    static final long RISKY_SYSCALL = at(RISKY, "syscall"), RISKY_ARGS = at(RISKY, "args"), RISKY_STR = at(RISKY, "str");
    static final int RISKY_STR_LEN = sizeOf(RISKY, "str");
    static final long FLOW_FAMILY = at(FLOW_KEY, "family"), FLOW_PROTO = at(FLOW_KEY, "proto"), FLOW_SRC = at(FLOW_KEY, "src"),
            FLOW_DST = at(FLOW_KEY, "dst"), FLOW_PACKETS = at(FLOW, "packets"), FLOW_BYTES = at(FLOW, "bytes");
    static final int FLOW_ADDR_LEN = sizeOf(FLOW_KEY, "src");
    static final long USAGE_ONCPU = at(PROC_USAGE, "oncpu_ns"), USAGE_SYSCALLS = at(PROC_USAGE, "syscalls"), USAGE_UID = at(PROC_USAGE, "uid"),
            USAGE_COMM = at(PROC_USAGE, "comm");
    static final long REC_TID = at(REC_CALL, "tid"), REC_TGID = at(REC_CALL, "tgid"), REC_NR = at(REC_CALL, "nr");
    static final long REC_IN_NFRAMES = at(REC_CALL_IN, "nframes"), REC_IN_FRAMES = at(REC_CALL_IN, "frames");
    static final long REC_PROC_TGID = at(REC_PROC, "h", "tgid"), REC_PROC_COMM = at(REC_PROC, "h", "comm"), REC_OTHER = at(REC_PROC, "other"),
            REC_EXIT_CODE = at(REC_PROC, "exit_code"), REC_FILENAME = at(REC_PROC, "filename");

    static final long SLOT_SLOT = at(SLOT_EVENT, "slot"), SLOT_REASON = at(SLOT_EVENT, "reason"), SLOT_ARGS_LEN = at(SLOT_EVENT, "args_len"),
            SLOT_ARGS_TOTAL = at(SLOT_EVENT, "args_total"), SLOT_FILENAME = at(SLOT_EVENT, "filename"), SLOT_ARGS = at(SLOT_EVENT, "args"),
            SLOT_FLAGS = at(SLOT_EVENT, "flags"), SLOT_EXE = at(SLOT_EVENT, "exe"), SLOT_FROM_SLOT = at(SLOT_EVENT, "from_slot"),
            SLOT_FROM_CGROUP = at(SLOT_EVENT, "from_cgroup"), SLOT_MNT_NS = at(SLOT_EVENT, "mnt_ns"), SLOT_PID_NS = at(SLOT_EVENT, "pid_ns");

    /** The namespaces at offset mnt (mnt_ns, pid_level, then pid_ns) of an exec or slot event. */
    static dev.vigil.event.KernelEvent.Namespaces namespaces(MemorySegment s, long mnt) {
        int level = s.get(I, mnt + 4);
        List<Long> pids = new java.util.ArrayList<>();
        for (int i = 0; i < PID_LEVELS && i <= level; i++) pids.add(Integer.toUnsignedLong(s.get(I, mnt + 8 + 4L * i)));
        return new dev.vigil.event.KernelEvent.Namespaces(Integer.toUnsignedLong(s.get(I, mnt)), level, pids);
    }
    static final long ITEM_SLOT = at(ITEM_EVENT, "slot"), ITEM_KIND = at(ITEM_EVENT, "kind"), ITEM_SYSCALL = at(ITEM_EVENT, "syscall"),
            ITEM_ACTION = at(ITEM_EVENT, "action"), ITEM_RET = at(ITEM_EVENT, "ret"), ITEM_FLAGS = at(ITEM_EVENT, "flags"),
            ITEM_ARGS = at(ITEM_EVENT, "args"), ITEM_FAMILY = at(ITEM_EVENT, "family"), ITEM_PORT = at(ITEM_EVENT, "port"),
            ITEM_CLASS = at(ITEM_EVENT, "net_class"), ITEM_ADDR = at(ITEM_EVENT, "addr"), ITEM_HASH = at(ITEM_EVENT, "hash"),
            ITEM_PATH = at(ITEM_EVENT, "path"), ITEM_DIR = at(ITEM_EVENT, "dir"),
            ITEM_REAL = at(ITEM_EVENT, "real"), ITEM_NFRAMES = at(ITEM_EVENT, "nframes"), ITEM_FRAMES = at(ITEM_EVENT, "frames"),
            ITEM_USTACK = at(ITEM_EVENT, "ustack"), ITEM_SNAP = at(ITEM_EVENT, "ustack", "snap");
    static final long RULE_ACTION = at(CALL_RULE, "action"), RULE_KEY_ARG = at(CALL_RULE, "key_arg"), RULE_STR_ARG = at(CALL_RULE, "str_arg"),
            RULE_KEY_MODE = at(CALL_RULE, "key_mode"), RULE_TARGET_ARG = at(CALL_RULE, "target_arg"), RULE_SIGNAL_ARG = at(CALL_RULE, "signal_arg");
    static final long SEEN_SLOT = at(SEEN_KEY, "slot"), SEEN_KIND = at(SEEN_KEY, "kind"), SEEN_HASH = at(SEEN_KEY, "hash"),
            SEEN_NOVEL = at(SEEN, "novel"), SEEN_REPEATS = at(SEEN, "repeats");
    static final long SLOT_IGNORED = at(SLOT, "ignored"), SLOT_ACTIVITY = at(SLOT, "activity"), SLOT_CALLS = at(SLOT, "calls"),
            SLOT_KEY_CGROUP = at(SLOT_KEY, "cgroup");

    /** The event type of a ring-buffer record (its first u32). */
    static int type(byte[] b) {
        if (b.length < 4) throw new IllegalArgumentException("event of " + b.length + " bytes");
        return MemorySegment.ofArray(b).get(I, at(HEADER, "type"));
    }

    static void expect(byte[] b, StructLayout l) {
        if (b.length < l.byteSize()) throw new IllegalArgumentException(l.name().orElse("event") + " of " + b.length + " bytes, expected " + l.byteSize());
    }

    static Who who(MemorySegment s) {
        return new Who(s.get(I, H_PID), s.get(I, H_TGID), s.get(I, H_PPID), s.get(I, H_UID), s.get(L, H_KTIME), s.get(L, H_CGROUP),
                string(s, H_COMM, COMM_LEN));
    }

    /** A NUL-terminated string in [offset, offset + max). */
    static String string(MemorySegment s, long offset, int max) {
        int n = 0;
        while (n < max && s.get(JAVA_BYTE, offset + n) != 0) n++;
        byte[] b = new byte[n];
        MemorySegment.copy(s, JAVA_BYTE, offset, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** NUL-separated strings in the first len bytes at offset. */
    static List<String> strings(MemorySegment s, long offset, int len) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (s.get(JAVA_BYTE, offset + i) == 0) {
                out.add(string(s, offset + start, i - start));
                start = i + 1;
            }
        }
        if (start < len) out.add(string(s, offset + start, len - start));
        return out;
    }
}
