package dev.vigil.sensor;

import static dev.vigil.event.KernelEvent.Item.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.vigil.bpf.BpfMap;
import dev.vigil.bpf.BpfObject;
import dev.vigil.event.KernelEvent.Item;
import dev.vigil.event.KernelEvent.Slot;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.syscall.SyscallTable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * workload.bpf.c: the behaviour of workloads, first-seen filtered in the kernel (see the
 * program's comment). Delivers {@link Slot} events (a workload slot's process started) and
 * {@link Item} events (the first sight of a call, a file, an endpoint or a high-risk call
 * in a slot). The call rules are filled from the host's call table, so calls this
 * architecture lacks (open, creat on arm64) are simply absent. One reading thread;
 * {@link #ignore} may be called from it.
 */
public final class WorkloadSensor extends RingSensor {
    /** Slots of collect.h's stats this program adds (enum vigil_workload_stat). */
    /** The ring buffer: room for a program start's burst of first sights, each with its stack (about 3.3 KiB). */
    static final int RING_BYTES = 8 << 20;
    static final int ST_SLOTS_FULL = 2, ST_ITEMS = 3, ST_PATH_TRUNCATED = 4, ST_RUNTIME_INIT = 5, ST_NO_STACK = 6, ST_STACK_SHORT = 7, ST_MAPS = 8, ST_MAPS_CUT = 9;

    /**
     * What the kernel does with a call: its action and, for high-risk calls, which argument
     * is part of the item (keyArg; keyMode 1: only whether it is 0), which string argument is
     * copied (strArg), and which arguments make the call uninteresting (a targetArg naming
     * the caller itself, a signalArg of 0).
     */
    public record Rule(String call, int action, int keyArg, int strArg, int keyMode, int targetArg, int signalArg) {
        static Rule of(String call, int action) { return new Rule(call, action, -1, -1, 0, -1, -1); }
        static Rule risky(String call, int keyArg, int strArg) { return new Rule(call, ACT_RISKY, keyArg, strArg, 0, -1, -1); }
        static Rule toRoot(String call, int keyArg) { return new Rule(call, ACT_RISKY, keyArg, -1, 1, -1, -1); }
    }

    /** Every rule; a call the host lacks is skipped. */
    public static final List<Rule> RULES = List.of(
            Rule.of("open", ACT_OPEN), Rule.of("openat", ACT_OPENAT), Rule.of("openat2", ACT_OPENAT2), Rule.of("creat", ACT_CREAT),
            Rule.of("unlink", ACT_UNLINK), Rule.of("rmdir", ACT_UNLINK), Rule.of("unlinkat", ACT_UNLINKAT), Rule.of("rename", ACT_RENAME),
            Rule.of("renameat", ACT_RENAMEAT), Rule.of("renameat2", ACT_RENAMEAT), Rule.of("chmod", ACT_CHMOD),
            Rule.of("fchmodat", ACT_FCHMODAT), Rule.of("fchmodat2", ACT_FCHMODAT),
            Rule.of("link", ACT_LINK), Rule.of("linkat", ACT_LINKAT), Rule.of("symlink", ACT_SYMLINK), Rule.of("symlinkat", ACT_SYMLINKAT),
            Rule.of("connect", ACT_CONNECT), Rule.of("bind", ACT_BIND), Rule.of("listen", ACT_LISTEN), Rule.of("accept", ACT_ACCEPT),
            Rule.of("accept4", ACT_ACCEPT),
            Rule.risky("ptrace", 0, -1), Rule.risky("process_vm_writev", -1, -1), Rule.risky("process_vm_readv", -1, -1),
            Rule.toRoot("setuid", 0), Rule.toRoot("setgid", 0), Rule.toRoot("setreuid", 1), Rule.toRoot("setregid", 1),
            Rule.toRoot("setresuid", 1), Rule.toRoot("setresgid", 1), Rule.risky("capset", -1, -1),
            Rule.risky("init_module", -1, 2), Rule.risky("finit_module", -1, 1), Rule.risky("delete_module", -1, 0),
            Rule.risky("kexec_load", -1, -1), Rule.risky("kexec_file_load", -1, -1),
            Rule.risky("bpf", 0, -1), Rule.risky("perf_event_open", -1, -1),
            Rule.risky("mount", -1, 1), Rule.risky("umount2", -1, 0), Rule.risky("fsopen", -1, 0), Rule.risky("fsmount", -1, -1),
            Rule.risky("move_mount", -1, 3), Rule.risky("pivot_root", -1, 0), Rule.risky("chroot", -1, 0),
            Rule.risky("unshare", 0, -1), Rule.risky("setns", 1, -1),
            Rule.risky("memfd_create", -1, 0), Rule.risky("execveat", -1, 1),
            new Rule("kill", ACT_RISKY, 1, -1, 0, 0, 1), new Rule("tgkill", ACT_RISKY, 2, -1, 0, 0, 2), new Rule("tkill", ACT_RISKY, 1, -1, 0, -1, 1));

    private final SyscallTable table = SyscallTable.host();
    private final int maxSlots;
    private final boolean everyCall;

    /** maxSlots: workload slots the kernel keeps (each a start of a workload: cgroup, program, argv); every call seen (the system-call dimension). */
    public WorkloadSensor(int maxSlots) {
        this(maxSlots, true);
    }

    /**
     * everyCall: one program on every system call (the system-call dimension's first sights, and the slots' activity
     * in calls), else programs on the judged calls' own entry and exit events only: no BPF program runs for any other
     * call, no system-call dimension, and a slot's activity counts its judged calls.
     */
    public WorkloadSensor(int maxSlots, boolean everyCall) {
        super("workload", "/dev/vigil/bpf/workload.bpf.o", everyCall ? List.of(new Program("vigil_w_fork", null, null),
                new Program("vigil_w_exec", null, null), new Program("vigil_w_exit", null, null), new Program("vigil_w_enter", null, null))
                : List.of(new Program("vigil_w_fork", null, null), new Program("vigil_w_exec", null, null), new Program("vigil_w_exit", null, null)));
        if (maxSlots < 1) throw new IllegalArgumentException("maxSlots must be positive");
        this.maxSlots = maxSlots;
        this.everyCall = everyCall;
    }

    public WorkloadSensor() { this(4096); }

    /** Whether every call is seen (the system-call dimension), else the judged calls only. */
    public boolean everyCall() { return everyCall; }

    private int sharedTasks = -1;

    /**
     * Shares the exec sensor's task storage (task_w.h): its exec events then carry the slot
     * each process came from. Before start; without it the exec events carry none.
     */
    public WorkloadSensor shareTasks(ExecSensor exec) {
        this.sharedTasks = exec.tasksFd();
        return this;
    }

    /** The calls judged at exit whose syscalls:sys_exit_* event this kernel has (vigil_w_exit_call runs on those only). */
    private final List<String> exitCalls = new java.util.ArrayList<>();
    private final List<String> noExitEvent = new java.util.ArrayList<>();
    /** Without every call: the judged calls whose syscalls:sys_enter_* event this kernel has (vigil_w_enter_call runs on those only). */
    private final List<String> enterCalls = new java.util.ArrayList<>();

    @Override
    void beforeLoad(BpfObject o, SensorSettings s) {
        exitCalls.clear();
        noExitEvent.clear();
        enterCalls.clear();
        for (Rule r : RULES) {
            if (table.number(r.call()).isEmpty()) continue;
            boolean enter = everyCall || dev.vigil.bpf.Tracefs.hasTracepoint("syscalls", "sys_enter_" + event(r.call()));
            if (!everyCall && enter) enterCalls.add(r.call());
            if (r.action() == ACT_RISKY) {
                if (!enter) noExitEvent.add(r.call());
                continue;
            }
            if (enter && dev.vigil.bpf.Tracefs.hasTracepoint("syscalls", "sys_exit_" + event(r.call()))) exitCalls.add(r.call());
            else noExitEvent.add(r.call());
        }
        if (everyCall) o.disableProgram("vigil_w_enter_call");
        else o.disableProgram("vigil_w_enter");
        o.setGlobal("max_slots", maxSlots).setMaxEntries("slots", maxSlots).setMaxEntries("slot_ids", maxSlots).setMaxEntries("slot_refs", maxSlots)
                .setMaxEntries("slot_lost", maxSlots)
                .setMaxEntries("slot_free", maxSlots);
        if (sharedTasks >= 0) o.reuseMap("tasks", sharedTasks);
        if (!frames) o.setMaxEntries("probe_stacks", 1);
        o.setMaxEntries("events", RING_BYTES);
    }

    @Override
    void afterLoad(BpfObject o) {
        BpfMap rules = o.map("rules");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT), v = a.allocate(EventWire.CALL_RULE);
            for (Rule r : RULES) {
                var nr = table.number(r.call());
                if (nr.isEmpty() || noExitEvent.contains(r.call())) continue;
                k.set(JAVA_INT, 0, nr.get());
                v.fill((byte) 0);
                v.set(JAVA_BYTE, EventWire.RULE_ACTION, (byte) r.action());
                v.set(JAVA_BYTE, EventWire.RULE_KEY_ARG, (byte) r.keyArg());
                v.set(JAVA_BYTE, EventWire.RULE_STR_ARG, (byte) r.strArg());
                v.set(JAVA_BYTE, EventWire.RULE_KEY_MODE, (byte) r.keyMode());
                v.set(JAVA_BYTE, EventWire.RULE_TARGET_ARG, (byte) r.targetArg());
                v.set(JAVA_BYTE, EventWire.RULE_SIGNAL_ARG, (byte) r.signalArg());
                rules.update(k, v);
            }
        }
    }

    @Override
    public void attach() {
        super.attach();
        for (String call : exitCalls) object().attachTracepoint("vigil_w_exit_call", "syscalls", "sys_exit_" + event(call));
        for (String call : enterCalls) object().attachTracepoint("vigil_w_enter_call", "syscalls", "sys_enter_" + event(call));
    }

    /** The name of a call's trace events (syscalls:sys_enter_NAME), where the kernel's differs from the call's. */
    static String event(String call) {
        return call.equals("umount2") ? "umount" : call;
    }

    /** Judged calls whose trace events (exit, or without every call entry) this kernel lacks (not profiled), besides the base class's. */
    @Override
    public List<String> unavailable() {
        List<String> all = new java.util.ArrayList<>(super.unavailable());
        all.addAll(noExitEvent);
        return all;
    }

    /** Stops profiling a slot in the kernel (an ignored cgroup, a workload over the limit): its tasks then cost one lookup per call. */
    public void ignore(int slot) {
        if (slot < 1 || slot > maxSlots) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT), v = a.allocate(EventWire.SLOT);
            k.set(JAVA_INT, 0, slot - 1);
            if (!slots().lookup(k, v)) return;
            v.set(EventWire.I, EventWire.SLOT_IGNORED, 1);
            slots().update(k, v);
        }
    }

    /** The calls a slot's processes made so far (flushed per task every 1,024 calls and at exit); 0 for an unknown slot. */
    public long activity(int slot) {
        if (slot < 1 || slot > maxSlots || object() == null || !object().isLoaded()) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT), v = a.allocate(EventWire.SLOT);
            k.set(JAVA_INT, 0, slot - 1);
            return slots().lookup(k, v) ? v.get(EventWire.L, EventWire.SLOT_ACTIVITY) : 0;
        }
    }

    /**
     * Marks an item the agent alerted as novel: the kernel then counts its repeats instead of
     * dropping them silently. False when the item is no longer in the seen map (evicted).
     */
    public boolean markNovel(int slot, int kind, long hash) {
        if (object() == null || !object().isLoaded()) return false;
        BpfMap seen = object().map("seen");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = seenKey(a, slot, kind, hash), v = a.allocate(EventWire.SEEN);
            if (!seen.lookup(k, v)) return false;
            v.set(EventWire.I, EventWire.SEEN_NOVEL, 1);
            seen.update(k, v);
            return true;
        }
    }

    /** Repeats counted for an item marked novel; -1 when it is no longer in the seen map. */
    public long repeats(int slot, int kind, long hash) {
        if (object() == null || !object().isLoaded()) return -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(EventWire.SEEN);
            return object().map("seen").lookup(seenKey(a, slot, kind, hash), v) ? v.get(EventWire.L, EventWire.SEEN_REPEATS) : -1;
        }
    }

    /**
     * Forgets what the kernel already sent for these slots (of a reset workload): the seen
     * items of that dimension (every dimension when empty) and, for syscalls, the call set,
     * so they cross again and the profile learns them again.
     */
    public void forget(java.util.Set<Integer> slots, String dimension) {
        if (slots.isEmpty() || object() == null || !object().isLoaded()) return;
        int kind = switch (dimension) {
            case "files" -> Item.FILE;
            case "network" -> Item.NET;
            case "risky" -> Item.RISKY;
            case "syscalls" -> Item.SYSCALL;
            default -> 0;
        };
        BpfMap seen = object().map("seen");
        if (kind != Item.SYSCALL) {
            for (byte[] key : seen.keys()) {
                MemorySegment k = MemorySegment.ofArray(key);
                if (slots.contains(k.get(EventWire.I, EventWire.SEEN_SLOT)) && (kind == 0 || k.get(EventWire.I, EventWire.SEEN_KIND) == kind)) {
                    try (Arena a = Arena.ofConfined()) {
                        seen.delete(a.allocateFrom(JAVA_BYTE, key));
                    }
                }
            }
        }
        if (kind == 0 || kind == Item.SYSCALL) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(JAVA_INT), v = a.allocate(EventWire.SLOT);
                for (int slot : slots) {
                    k.set(JAVA_INT, 0, slot - 1);
                    if (!slots().lookup(k, v)) continue;
                    for (int i = 0; i < 8; i++) v.set(EventWire.L, EventWire.SLOT_CALLS + 8L * i, 0L);
                    slots().update(k, v);
                }
            }
        }
    }

    private long reclaimed;

    /**
     * Frees the slots of workloads whose cgroup is gone and that no live task holds (as its
     * slot or the slot it was forked from): short-lived cgroups (any user can make scopes)
     * would otherwise use the table up and leave every later workload unprofiled. A freed
     * slot's key, calls and seen items are forgotten (a later workload given it starts
     * clean: nothing of the old one can hide its first sights), the kernel hands it out
     * again before a never-used one, and tasks a full table left without a slot are
     * resolved again at their next call. One thread (the reader's).
     *
     * @param cgroupAlive whether a cgroup id is still a cgroup of this host
     * @return the slots freed (their profiler state must be dropped: a slot event of a new
     *         workload may come for them next)
     */
    public java.util.Set<Integer> reclaim(java.util.function.LongPredicate cgroupAlive) {
        if (object() == null || !object().isLoaded()) return java.util.Set.of();
        BpfMap ids = object().map("slot_ids"), refs = object().map("slot_refs");
        List<byte[]> keys = new java.util.ArrayList<>();
        List<Integer> idx = new java.util.ArrayList<>();
        ids.forEach((k, v) -> {
            if (!cgroupAlive.test(k.get(EventWire.L, EventWire.SLOT_KEY_CGROUP))) {
                keys.add(k.toArray(JAVA_BYTE));
                idx.add(v.get(EventWire.I, 0));
            }
        });
        java.util.Set<Integer> freed = new java.util.TreeSet<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT), r = a.allocate(JAVA_INT), zero = a.allocate(EventWire.SLOT);
            for (int i = 0; i < keys.size(); i++) {
                k.set(JAVA_INT, 0, idx.get(i));
                if (!refs.lookup(k, r)) continue;
                if (r.get(JAVA_INT, 0) > 0) continue; // a task moved out of the dead cgroup still runs as (or came from) this workload
                ids.delete(a.allocateFrom(JAVA_BYTE, keys.get(i)));
                slots().update(k, zero); // (its refs are 0 already: never written here, so no increment can be lost)
                object().map("slot_lost").update(k, a.allocate(java.lang.foreign.ValueLayout.JAVA_LONG));
                freed.add(idx.get(i) + 1);
            }
            if (freed.isEmpty()) return freed;
            forget(freed, ""); // their seen items: a later workload given one must see its first sights cross
            BpfMap free = object().map("slot_free");
            for (int slot : freed) {
                k.set(JAVA_INT, 0, slot - 1);
                free.push(k);
            }
            // tasks a full table left without a slot try again at their next call
            BpfMap next = object().map("slot_next");
            MemorySegment one = a.allocateFrom(JAVA_INT, 1), gen = a.allocate(java.lang.foreign.ValueLayout.JAVA_LONG);
            if (next.lookup(one, gen)) {
                gen.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, gen.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) + 1);
                next.update(one, gen);
            }
        }
        reclaimed += freed.size();
        return freed;
    }

    /** Per slot, the first sights the ring buffer had no room for so far (slots that lost none are absent). */
    public Map<Integer, Long> lostBySlot() {
        return object() == null || !object().isLoaded() ? Map.of() : object().map("slot_lost").nonZeroBySlot();
    }

    /** The cgroup id a slot's workload began in, from the kernel's slot table (0 when the slot is free or unknown); one walk of the table. */
    public long cgroupOf(int slot) {
        if (slot < 1 || object() == null || !object().isLoaded()) return 0;
        long[] cg = {0};
        object().map("slot_ids").forEach((k, v) -> {
            if (v.get(EventWire.I, 0) == slot - 1) cg[0] = k.get(EventWire.L, EventWire.SLOT_KEY_CGROUP);
        });
        return cg[0];
    }

    /** The live tasks holding a slot (as their slot or the one they were forked from); 0 for an unknown slot. */
    public int refs(int slot) {
        if (slot < 1 || slot > maxSlots || object() == null || !object().isLoaded()) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocateFrom(JAVA_INT, slot - 1), r = a.allocate(JAVA_INT);
            return object().map("slot_refs").lookup(k, r) ? r.get(JAVA_INT, 0) : 0;
        }
    }

    private static MemorySegment seenKey(Arena a, int slot, int kind, long hash) {
        MemorySegment k = a.allocate(EventWire.SEEN_KEY);
        k.set(EventWire.I, EventWire.SEEN_SLOT, slot);
        k.set(EventWire.I, EventWire.SEEN_KIND, kind);
        k.set(EventWire.L, EventWire.SEEN_HASH, hash);
        return k;
    }

    private BpfMap slotsMap;

    private BpfMap slots() {
        if (slotsMap == null) slotsMap = object().map("slots");
        return slotsMap;
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>(super.counts());
        if (object() != null && object().isLoaded()) {
            BpfMap st = object().map("stats");
            m.put("items", st.lookupU64Sum(ST_ITEMS));
            m.put("slots_full", st.lookupU64Sum(ST_SLOTS_FULL));
            m.put("paths_truncated", st.lookupU64Sum(ST_PATH_TRUNCATED));
            m.put("runtime_inits", st.lookupU64Sum(ST_RUNTIME_INIT));
            m.put("stacks_unread", st.lookupU64Sum(ST_NO_STACK));
            m.put("stacks_shortened", st.lookupU64Sum(ST_STACK_SHORT));
            m.put("maps_sent", st.lookupU64Sum(ST_MAPS));
            m.put("maps_cut", st.lookupU64Sum(ST_MAPS_CUT));
            m.put("slots_reclaimed", reclaimed);
        }
        return m;
    }

    @Override
    public String header() {
        return "workload: TIME WORKLOAD PID PPID UID COMM SLOT KIND ITEM (first sights only)";
    }

    @Override
    KernelEvent decode(byte[] b) {
        int type = EventWire.type(b);
        MemorySegment s = MemorySegment.ofArray(b);
        if (type == EventWire.EV_SLOT) {
            EventWire.expect(b, EventWire.SLOT_EVENT);
            int len = Math.min(s.get(EventWire.I, EventWire.SLOT_ARGS_LEN), EventWire.ARGS_MAX), total = s.get(EventWire.I, EventWire.SLOT_ARGS_TOTAL);
            return new Slot(EventWire.who(s), s.get(EventWire.I, EventWire.SLOT_SLOT), s.get(EventWire.I, EventWire.SLOT_REASON),
                    EventWire.string(s, EventWire.SLOT_FILENAME, EventWire.PATH_MAX), EventWire.strings(s, EventWire.SLOT_ARGS, len), total > len,
                    EventWire.string(s, EventWire.SLOT_EXE, EventWire.PATH_MAX), s.get(EventWire.I, EventWire.SLOT_FLAGS),
                    s.get(EventWire.I, EventWire.SLOT_FROM_SLOT), s.get(EventWire.L, EventWire.SLOT_FROM_CGROUP), EventWire.namespaces(s, EventWire.SLOT_MNT_NS));
        }
        if (type == EventWire.EV_MAPS) return maps(b);
        if (type != EventWire.EV_ITEM) throw new IllegalArgumentException("workload: unknown event type " + type);
        // the kernel sends the stack bytes it copied, not the whole room for them
        if (b.length < EventWire.ITEM_SNAP) throw new IllegalArgumentException("workload: item of " + b.length + " bytes");
        if (b.length < EventWire.ITEM_EVENT.byteSize()) {
            b = java.util.Arrays.copyOf(b, (int) EventWire.ITEM_EVENT.byteSize());
            s = MemorySegment.ofArray(b);
        }
        int nr = s.get(EventWire.I, EventWire.ITEM_SYSCALL);
        long[] args = new long[4];
        for (int i = 0; i < 4; i++) args[i] = s.get(EventWire.L, EventWire.ITEM_ARGS + 8L * i);
        byte[] addr = new byte[16];
        MemorySegment.copy(s, JAVA_BYTE, EventWire.ITEM_ADDR, addr, 0, 16);
        return new Item(EventWire.who(s), s.get(EventWire.I, EventWire.ITEM_SLOT), s.get(EventWire.I, EventWire.ITEM_KIND), nr, table.name(nr),
                s.get(EventWire.I, EventWire.ITEM_ACTION), s.get(EventWire.L, EventWire.ITEM_RET), s.get(EventWire.L, EventWire.ITEM_FLAGS), args,
                Short.toUnsignedInt(s.get(JAVA_SHORT.withByteAlignment(1), EventWire.ITEM_FAMILY)),
                Short.toUnsignedInt(s.get(JAVA_SHORT.withByteAlignment(1), EventWire.ITEM_PORT)), s.get(EventWire.I, EventWire.ITEM_CLASS), addr,
                s.get(EventWire.L, EventWire.ITEM_HASH), EventWire.string(s, EventWire.ITEM_PATH, EventWire.PATH_MAX),
                EventWire.string(s, EventWire.ITEM_DIR, EventWire.PATH_MAX), EventWire.string(s, EventWire.ITEM_REAL, EventWire.PATH_MAX),
                frames ? FrameNames.read(names, s, EventWire.ITEM_NFRAMES, EventWire.ITEM_FRAMES, s.get(EventWire.I, EventWire.H_TGID)) : List.of(),
                stack(s));
    }

    /**
     * Where process pid was started from: its parent's user stack at the fork that made it (4 KiB of it), kept in the
     * kernel for the last 512 forks of profiled workloads; empty when it is not there (forked before vigil, or evicted).
     */
    public java.util.Optional<KernelEvent.UserStack> spawnStack(int pid) {
        if (object() == null || !object().isLoaded() || pid <= 0) return java.util.Optional.empty();
        BpfMap ring = object().map("spawn_stacks"), pids = object().map("spawn_pids");
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment key = a.allocate(4);
            MemorySegment table = a.allocate(pids.valueSize(), 8);
            if (!pids.lookup(key, table)) return java.util.Optional.empty();
            // the ring holds the stack's first part (its copy cut at 4 KiB): read into room for the whole, the rest zero
            MemorySegment value = a.allocate(EventWire.SPAWN_HEAD + EventWire.USER_STACK_LAYOUT.byteSize(), 8), best = null;
            long bestSeq = 0;
            for (int i = 0; i < EventWire.SPAWN_RING; i++) {
                if (table.getAtIndex(JAVA_INT, i) != pid) continue;
                key.set(JAVA_INT, 0, i);
                if (!ring.lookup(key, value) || value.get(JAVA_INT, EventWire.SPAWN_PID) != pid) continue;
                long seq = value.get(EventWire.L, EventWire.SPAWN_SEQ);
                if (seq > bestSeq) { // a pid reused within the ring: its newest fork
                    bestSeq = seq;
                    best = a.allocate(value.byteSize(), 8).copyFrom(value);
                }
            }
            return best == null ? java.util.Optional.empty() : java.util.Optional.of(EventWire.userStack(best, EventWire.SPAWN_HEAD));
        }
    }

    /** A process's executable mappings (sent at the size they use). */
    private static KernelEvent.Maps maps(byte[] b) {
        long head = EventWire.MAPS_VMA;
        if (b.length < head) throw new IllegalArgumentException("workload: mappings event of " + b.length + " bytes");
        MemorySegment s = MemorySegment.ofArray(b.length < EventWire.MAPS_EVENT.byteSize() ? java.util.Arrays.copyOf(b, (int) EventWire.MAPS_EVENT.byteSize()) : b);
        int n = Math.max(0, Math.min(EventWire.MAPS_MAX, s.get(EventWire.I, EventWire.MAPS_N)));
        if (head + n * EventWire.VMA.byteSize() > b.length) throw new IllegalArgumentException("workload: mappings event of " + b.length + " bytes for " + n);
        List<KernelEvent.Maps.Vma> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long at = head + i * EventWire.VMA.byteSize();
            out.add(new KernelEvent.Maps.Vma(s.get(EventWire.L, at + EventWire.VMA_START), s.get(EventWire.L, at + EventWire.VMA_END),
                    s.get(EventWire.L, at + EventWire.VMA_OFFSET), s.get(EventWire.L, at + EventWire.VMA_INO), s.get(EventWire.I, at + EventWire.VMA_DEV),
                    s.get(EventWire.I, at + EventWire.VMA_FLAGS), EventWire.string(s, at + EventWire.VMA_NAME_AT, EventWire.VMA_NAME)));
        }
        return new KernelEvent.Maps(EventWire.who(s), out, s.get(EventWire.I, EventWire.MAPS_TOTAL));
    }

    /** The user stack read with a first sight. */
    private static KernelEvent.UserStack stack(MemorySegment s) { return EventWire.userStack(s, EventWire.ITEM_USTACK); }

    /**
     * Attaches the resolver probes (getaddrinfo's entry and return) to each library: a connection to a public address
     * one of its answers gave is then an item of the name asked. Returns what was attached, and why a library was not.
     */
    public List<String> attachResolvers(List<String> libraries) {
        List<String> out = new java.util.ArrayList<>();
        for (String lib : libraries) {
            java.nio.file.Path p = dev.vigil.host.Binaries.find(lib);
            if (p == null) {
                out.add(lib + ": not on this host, not attached");
                continue;
            }
            try {
                java.nio.file.Path real = p.toRealPath();
                var f = dev.vigil.host.Elf.read(real).function("getaddrinfo");
                if (f.isEmpty()) {
                    out.add(real + ": no getaddrinfo, not attached");
                    continue;
                }
                object().attachUprobe("vigil_w_gai", real.toString(), f.get().fileOffset(), false, -1, 0);
                object().attachUprobe("vigil_w_gai_ret", real.toString(), f.get().fileOffset(), true, -1, 0);
                out.add(real + ":getaddrinfo");
            } catch (java.io.IOException | RuntimeException e) {
                out.add(lib + ": " + e.getMessage() + ", not attached");
            }
        }
        return out;
    }

    private boolean frames;
    private FrameNames names = FrameNames.NONE;

    /**
     * Keeps room for the threads' probed functions (probe_stack.h), for custom probes with a return pair to share
     * ({@link #stacksFd}): each first sight then says the functions it was made in. Before start.
     */
    public WorkloadSensor frames(boolean on) {
        this.frames = on;
        return this;
    }

    /** Who names the frames (the custom probes' sensor, started after this one). */
    public void names(FrameNames n) { this.names = n; }

    /** The fd of its probe_stacks, once loaded: for the custom probes to keep the frames in. */
    public int stacksFd() {
        if (object() == null || !object().isLoaded()) throw new IllegalStateException("workload: not loaded");
        return object().map("probe_stacks").fd();
    }

    /** The rules as the kernel gets them on this host (call name to rule), for tests and `doctor`. */
    public Map<String, Rule> hostRules() {
        Map<String, Rule> m = new LinkedHashMap<>();
        for (Rule r : RULES) if (table.number(r.call()).isPresent()) m.put(r.call(), r);
        return m;
    }
}
