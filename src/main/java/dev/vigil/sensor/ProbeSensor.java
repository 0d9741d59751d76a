package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.BpfMap;
import dev.vigil.bpf.BpfObject;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProbeSpec;
import dev.vigil.event.ProbeSpec.Kind;
import dev.vigil.event.SensorSettings;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * probes.bpf.c: the config's custom probes (uprobes, uretprobes, USDT probes, tracepoints),
 * one generic family of programs attached once per probe with the probe's id as cookie; each
 * probe's spec (arguments, filters, pair) written to probe_specs before attaching. Events
 * carry the thread's chain of probed functions, named here (a frame's function is its
 * probe's symbol, or the string its function argument pointed to, learnt from the entry
 * event that pushed it). One reading thread.
 */
public final class ProbeSensor extends RingSensor implements FrameNames {
    /** The enums of probes.bpf.c shared with Java (a test checks them against the object's BTF). */
    public static class Codes {
        protected Codes() {}

        public static final int FLAG_PAIRED = 1, FLAG_EMIT_ENTRY = 2, FLAG_EMIT_RETURN = 4, FLAG_TRACEPOINT = 8, FLAG_USDT = 16;
        public static final int PF_PID = 1, PF_UID = 2, PF_COMM = 4, PF_CGROUP = 8;
        public static final int PHASE_HIT = 1, PHASE_ENTRY = 2, PHASE_RETURN = 3;
    }

    static final int FLAG_PAIRED = Codes.FLAG_PAIRED, FLAG_EMIT_ENTRY = Codes.FLAG_EMIT_ENTRY, FLAG_EMIT_RETURN = Codes.FLAG_EMIT_RETURN,
            FLAG_TRACEPOINT = Codes.FLAG_TRACEPOINT, FLAG_USDT = Codes.FLAG_USDT;
    static final int PF_PID = Codes.PF_PID, PF_UID = Codes.PF_UID, PF_COMM = Codes.PF_COMM, PF_CGROUP = Codes.PF_CGROUP;
    static final int PHASE_HIT = Codes.PHASE_HIT, PHASE_ENTRY = Codes.PHASE_ENTRY, PHASE_RETURN = Codes.PHASE_RETURN;
    private static final int NAMES_MAX = 65_536;
    /** A tracepoint's user string the kernel could not read at the call (its page not in memory yet). */
    public static final String UNREADABLE = "(not readable at the call)";

    private final List<ProbeSpec> probes;
    private final List<TracepointFormat> formats = new ArrayList<>();
    private final List<String> attached = new ArrayList<>();
    /** (tgid, probe, key) -> function name, learnt from entry events; bounded (least recently used out). */
    private final Map<List<Long>, String> names = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, String> e) { return size() > NAMES_MAX; }
    };

    public ProbeSensor(List<ProbeSpec> probes) {
        super("probes", "/dev/vigil/bpf/probes.bpf.o", List.of());
        if (probes.isEmpty()) throw new IllegalArgumentException("probes: no probe configured (a probes: list in the config)");
        if (probes.size() > ProbeSpec.MAX_PROBES) throw new IllegalArgumentException("probes: more than " + ProbeSpec.MAX_PROBES + " probes");
        this.probes = List.copyOf(probes);
    }

    public List<ProbeSpec> probes() { return probes; }

    private int sharedTasks = -1;

    /**
     * Shares the exec sensor's task storage (task_w.h): each event then carries the workload
     * slot of its thread (what the agent's profiles are keyed by). Before start.
     */
    public ProbeSensor shareTasks(ExecSensor exec) {
        this.sharedTasks = exec.tasksFd();
        return this;
    }

    @Override
    void beforeLoad(BpfObject object, SensorSettings s) {
        if (sharedTasks >= 0) object.reuseMap("tasks", sharedTasks);
        if (sharedStacks >= 0) object.reuseMap("probe_stacks", sharedStacks);
        formats.clear();
        for (ProbeSpec p : probes) {
            if (p.tracepoint()) {
                try {
                    formats.add(TracepointFormat.read(p.entry().provider(), p.entry().name()));
                } catch (IOException e) {
                    throw new IllegalArgumentException(p.where() + ": " + e.getMessage());
                }
            } else {
                formats.add(null);
            }
        }
    }

    @Override
    void afterLoad(BpfObject object) {
        BpfMap specs = object.map("probe_specs"), values = object.map("probe_filter_values"), comms = object.map("probe_filter_comms");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocateFrom(JAVA_BYTE, (byte) 1);
            for (int id = 0; id < probes.size(); id++) {
                ProbeSpec p = probes.get(id);
                specs.update(a.allocateFrom(JAVA_INT, id), spec(a, p, formats.get(id)));
                for (int pid : p.pids()) values.update(fkey(a, id, PF_PID, pid), one);
                for (int uid : p.uids()) values.update(fkey(a, id, PF_UID, Integer.toUnsignedLong(uid)), one);
                for (long cg : p.cgroups()) values.update(fkey(a, id, PF_CGROUP, cg), one);
                for (String c : p.comms()) {
                    MemorySegment k = a.allocate(20);
                    k.set(JAVA_INT, 0, id);
                    byte[] b = c.getBytes(StandardCharsets.UTF_8);
                    MemorySegment.copy(b, 0, k, JAVA_BYTE, 4, Math.min(15, b.length));
                    comms.update(k, one);
                }
            }
        }
    }

    private static MemorySegment fkey(Arena a, int id, int kind, long value) {
        MemorySegment k = a.allocate(16);
        k.set(JAVA_INT, 0, id);
        k.set(JAVA_INT, 4, kind);
        k.set(JAVA_LONG, 8, value);
        return k;
    }

    /** The struct vigil_probe_spec of a probe. */
    static MemorySegment spec(Arena a, ProbeSpec p, TracepointFormat tp) {
        MemorySegment s = a.allocate(EventWire.PROBE_SPEC);
        Kind k = p.entry() != null ? p.entry().kind() : p.ret().kind();
        int flags = (p.paired() ? FLAG_PAIRED : 0) | (p.emitEntry() ? FLAG_EMIT_ENTRY : 0) | (p.emitReturn() ? FLAG_EMIT_RETURN : 0)
                | (k == Kind.TRACEPOINT ? FLAG_TRACEPOINT : 0) | (k == Kind.USDT ? FLAG_USDT : 0);
        int filters = (p.pids().isEmpty() ? 0 : PF_PID) | (p.uids().isEmpty() ? 0 : PF_UID) | (p.comms().isEmpty() ? 0 : PF_COMM)
                | (p.cgroups().isEmpty() ? 0 : PF_CGROUP);
        s.set(JAVA_INT, EventWire.PS_FLAGS, flags);
        s.set(JAVA_INT, EventWire.PS_FILTERS, filters);
        int str = 0;
        for (int i = 0; i < p.args().size(); i++) {
            ProbeSpec.Arg arg = p.args().get(i);
            s.set(JAVA_BYTE, EventWire.PS_ARG_TYPE + i, (byte) arg.type().code);
            s.set(JAVA_BYTE, EventWire.PS_ARG_SRC + i, (byte) arg.index());
            s.set(JAVA_BYTE, EventWire.PS_ARG_LEN + i, (byte) Math.max(0, arg.lengthArg()));
            s.set(JAVA_BYTE, EventWire.PS_ARG_STR + i, (byte) (arg.type().text() ? str++ : 0xff));
        }
        s.set(JAVA_BYTE, EventWire.PS_FRAME_SLOT, (byte) (p.functionArg() >= 0 ? p.functionArg() : 0xff));
        s.set(JAVA_BYTE, EventWire.PS_STR_SLOTS, (byte) str);
        if (tp != null) {
            s.set(JAVA_INT, EventWire.PS_RAW_SIZE, tp.rawSize());
            List<TracepointFormat.Field> locs = tp.strings();
            for (int j = 0; j < Math.min(EventWire.PROBE_STRS, locs.size()); j++) { // a user string's offset has the top bit set
                TracepointFormat.Field f = locs.get(j);
                s.set(java.lang.foreign.ValueLayout.JAVA_SHORT, EventWire.PS_DATA_LOC + 2L * j, (short) (f.offset() | (f.userString() ? 0x8000 : 0)));
            }
        }
        for (int f = 0; f < p.argFilters().size(); f++) {
            ProbeSpec.ArgFilter af = p.argFilters().get(f);
            long base = EventWire.PS_ARG_FILTER + f * EventWire.PROBE_ARG_FILTER.byteSize();
            s.set(JAVA_BYTE, base, (byte) af.slot());
            s.set(JAVA_BYTE, base + 1, (byte) (af.equal() ? 1 : 2));
            s.set(JAVA_LONG, base + 8, af.value());
        }
        return s;
    }

    @Override
    public void attach() {
        BpfObject o = object();
        for (int id = 0; id < probes.size(); id++) {
            ProbeSpec p = probes.get(id);
            int pid = p.pids().size() == 1 ? p.pids().iterator().next() : -1;
            try {
                if (p.entry() != null) attach(o, p.entry(), false, pid, id);
                if (p.ret() != null) attach(o, p.ret(), true, pid, id);
            } catch (BpfException e) {
                throw new BpfException(p.where() + ": probe " + p.name() + ": " + e.operation(), e.errno());
            }
            attached.add(p.name() + ": " + p.describe());
        }
    }

    private static void attach(BpfObject o, ProbeSpec.Target t, boolean ret, int pid, int id) {
        switch (t.kind()) {
            case UPROBE, URETPROBE -> o.attachUprobe(ret ? "vigil_probe_uretprobe" : "vigil_probe_uprobe", t.binary(), t.offset(), ret, pid, id);
            case USDT -> o.attachUsdt(ret ? "vigil_probe_usdt_return" : "vigil_probe_usdt", t.binary(), t.provider(), t.name(), pid, id);
            case TRACEPOINT -> o.attachTracepoint("vigil_probe_tp", t.provider(), t.name(), id);
        }
    }

    /** probes.bpf.c wakes the reader once per 64 KiB waiting, not per hit. */
    @Override
    boolean lazyWakeup() { return true; }

    @Override
    public String header() {
        return "probes: TIME PROBE PID PPID UID COMM PHASE DEPTH VALUES [in FUNCTION <- CALLER ...]; attached: " + String.join("; ", attached);
    }

    @Override
    KernelEvent decode(byte[] b) {
        if (EventWire.type(b) != EventWire.EV_PROBE) throw new IllegalArgumentException("probes: unknown event type " + EventWire.type(b));
        // the kernel sends the part an event uses (up to its last string, or its tracepoint record as copied)
        if (b.length < EventWire.PE_STR) throw new IllegalArgumentException("probes: event of " + b.length + " bytes");
        if (b.length < EventWire.PROBE_EVENT.byteSize()) b = java.util.Arrays.copyOf(b, (int) EventWire.PROBE_EVENT.byteSize());
        MemorySegment s = MemorySegment.ofArray(b);
        int id = s.get(EventWire.I, EventWire.PE_PROBE);
        if (id < 0 || id >= probes.size()) throw new IllegalArgumentException("probes: unknown probe " + id);
        ProbeSpec p = probes.get(id);
        KernelEvent.Who who = EventWire.who(s);
        int phase = s.get(EventWire.I, EventWire.PE_PHASE), depth = s.get(EventWire.I, EventWire.PE_DEPTH);
        List<String> strs = new ArrayList<>();
        for (int j = 0; j < EventWire.PROBE_STRS; j++) {
            int raw = s.get(EventWire.I, EventWire.PE_STR_LEN + 4L * j);
            if (raw == -1) { // a system call's string argument on a page the caller had not touched yet
                strs.add(UNREADABLE);
                continue;
            }
            int len = Math.min(EventWire.PROBE_STR, raw);
            strs.add(text(s, EventWire.PE_STR + (long) j * EventWire.PROBE_STR, len));
        }
        long[] args = new long[EventWire.PROBE_ARGS];
        for (int i = 0; i < args.length; i++) args[i] = s.get(EventWire.L, EventWire.PE_ARGS + 8L * i);
        Map<String, Object> values = new LinkedHashMap<>();
        Long ret = null;
        boolean uret = phase == PHASE_RETURN && p.ret() != null && p.ret().kind() == Kind.URETPROBE;
        if (p.tracepoint()) {
            TracepointFormat tp = formats.get(id);
            int rawLen = Math.min(EventWire.PROBE_RAW, s.get(EventWire.I, EventWire.PE_RAW_LEN));
            byte[] raw = new byte[rawLen];
            MemorySegment.copy(s, JAVA_BYTE, EventWire.PE_RAW, raw, 0, rawLen);
            for (TracepointFormat.Field f : tp.fields()) {
                Object v = tp.value(f, raw, strs);
                if (v != null) values.put(f.name(), v);
            }
        } else if (uret) {
            ret = s.get(EventWire.L, EventWire.PE_RET);
        } else {
            int str = 0;
            for (int i = 0; i < p.args().size(); i++) {
                ProbeSpec.Arg a = p.args().get(i);
                values.put(a.name(), switch (a.type()) {
                    case INT, UINT, LONG -> args[i];
                    case ULONG -> args[i] < 0 ? Long.toUnsignedString(args[i]) : args[i];
                    case PTR -> "0x" + Long.toHexString(args[i]);
                    case STRING, BUFFER -> strs.get(str++);
                });
            }
            if (phase == PHASE_ENTRY && p.functionArg() >= 0 && p.args().get(p.functionArg()).type().text()) {
                Object n = values.get(p.args().get(p.functionArg()).name());
                if (n instanceof String name && !name.isEmpty()) names.put(List.of((long) who.tgid(), (long) id, args[p.functionArg()]), name);
            }
        }
        int nframes = Math.min(EventWire.PROBE_FRAMES, s.get(EventWire.I, EventWire.PE_NFRAMES));
        List<String> frames = new ArrayList<>();
        for (int k = 0; k < nframes; k++) {
            long base = EventWire.PE_FRAMES + k * EventWire.PROBE_FRAME.byteSize();
            int fp = s.get(EventWire.I, base);
            long key = s.get(EventWire.L, base + 8);
            frames.add(name(who.tgid(), fp, key));
        }
        String ph = switch (phase) {
            case PHASE_ENTRY -> KernelEvent.Probe.ENTRY;
            case PHASE_RETURN -> KernelEvent.Probe.RETURN;
            default -> KernelEvent.Probe.HIT;
        };
        return new KernelEvent.Probe(who, id, s.get(EventWire.I, EventWire.PE_SLOT), p.name(), ph, depth, ret, values, frames);
    }

    /**
     * The function of a frame: its probe's symbol, or the name its function argument pointed to (learnt from the entry
     * event that pushed it, else read from the process's memory at the key: the events of another ring may come first).
     */
    @Override
    public String name(int tgid, int probe, long key) {
        if (probe < 0 || probe >= probes.size()) return "?";
        ProbeSpec p = probes.get(probe);
        if (p.functionArg() < 0) return p.function();
        List<Long> k = List.of((long) tgid, (long) probe, key);
        String n = names.get(k);
        if (n == null && p.args().get(p.functionArg()).type() == ProbeSpec.Type.STRING) {
            n = dev.vigil.host.Procfs.string(tgid, key, EventWire.PROBE_STR);
            if (!n.isEmpty()) names.put(k, n);
            else n = null;
        }
        return n != null ? n : p.name() + "@0x" + Long.toHexString(key);
    }

    private int sharedStacks = -1;

    /** Keeps the threads' frames in another object's probe_stacks (probe_stack.h), which reads them. Before start. */
    public ProbeSensor shareStacks(int fd) {
        this.sharedStacks = fd;
        return this;
    }

    /** The fd of its probe_stacks, once loaded: for an object that reads the frames (record.bpf.c). */
    public int stacksFd() {
        if (object() == null || !object().isLoaded()) throw new IllegalStateException("probes: not loaded");
        return object().map("probe_stacks").fd();
    }

    /** Bytes as text: UTF-8 when they are, with control bytes escaped (\n, \xNN). */
    static String text(MemorySegment s, long offset, int len) {
        byte[] b = new byte[len];
        MemorySegment.copy(s, JAVA_BYTE, offset, b, 0, len);
        String t = new String(b, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n') out.append("\\n");
            else if (c == '\t') out.append("\\t");
            else if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
            else out.append(c);
        }
        return out.toString();
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = super.counts();
        BpfObject o = object();
        if (o == null || !o.isLoaded()) return m;
        BpfMap c = o.map("probe_counts");
        for (int id = 0; id < probes.size(); id++) {
            String n = probes.get(id).name();
            m.put(n + ".hits", c.lookupU64Sum(4 * id));
            m.put(n + ".filtered", c.lookupU64Sum(4 * id + 1));
            m.put(n + ".sent", c.lookupU64Sum(4 * id + 2));
            long lost = c.lookupU64Sum(4 * id + 3);
            if (lost > 0) m.put(n + ".lost", lost);
        }
        return m;
    }
}
