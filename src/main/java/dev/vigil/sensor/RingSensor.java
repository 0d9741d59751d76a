package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfMap;
import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.RingBuffer;
import dev.vigil.bpf.Tracefs;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The event collectors (exec, unlink, risky): a BPF object including collect.h, whose
 * programs send typed events through one ring buffer, filtered in the kernel. Subclasses
 * name their programs and decode their events. One reading thread.
 */
abstract class RingSensor implements Sensor {
    /** A program and, for classic tracepoints, the tracepoint it needs (null for tp_btf). */
    record Program(String name, String category, String tracepoint) {}

    private final String name, resource;
    private final List<Program> programs;
    private final List<Program> notLoaded = new ArrayList<>();
    private BpfObject object;
    private RingBuffer ring;
    private SensorSettings settings = SensorSettings.defaults();
    private Consumer<KernelEvent> sink = e -> { };
    private long delivered, undecodable;

    RingSensor(String name, String resource, List<Program> programs) {
        this.name = name;
        this.resource = resource;
        this.programs = List.copyOf(programs);
    }

    /** Turns one ring-buffer record into an event (may throw on a malformed record). */
    abstract KernelEvent decode(byte[] record);

    /** Sets what must be set before load (globals, map sizes); the filters are set already. */
    void beforeLoad(BpfObject object, SensorSettings s) { }

    /** Fills maps after load, before the programs attach. */
    void afterLoad(BpfObject object) { }

    /** The loaded object (null before open). */
    BpfObject object() { return object; }

    @Override
    public java.util.Optional<BpfObject> bpf() { return object != null && object.isLoaded() ? java.util.Optional.of(object) : java.util.Optional.empty(); }

    @Override
    public String name() { return name; }

    /** Calls whose tracepoints this kernel lacks (their programs are not loaded). */
    public List<String> unavailable() {
        return notLoaded.stream().map(p -> p.tracepoint().replaceFirst("^sys_enter_", "")).toList();
    }

    @Override
    public void open() {
        object = BpfObject.openResource(RingSensor.class, resource);
    }

    @Override
    public void configure(SensorSettings s) {
        settings = s;
        int on = (s.pids().isEmpty() ? 0 : 1) | (s.uids().isEmpty() ? 0 : 2) | (s.comms().isEmpty() ? 0 : 4) | (s.cgroups().isEmpty() ? 0 : 8);
        object.setGlobal("filter_on", on).setGlobal("self_tgid", ProcessHandle.current().pid());
        for (Program p : programs) {
            if (p.tracepoint() != null && !Tracefs.hasTracepoint(p.category(), p.tracepoint())) {
                object.disableProgram(p.name());
                notLoaded.add(p);
            }
        }
        beforeLoad(object, s);
    }

    @Override
    public void load() {
        object.load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocateFrom(JAVA_BYTE, (byte) 1);
            BpfMap pids = object.map("filter_pids"), uids = object.map("filter_uids"), comms = object.map("filter_comms"),
                    cgroups = object.map("filter_cgroups");
            for (int pid : settings.pids()) pids.update(a.allocateFrom(JAVA_INT, pid), one);
            for (int uid : settings.uids()) uids.update(a.allocateFrom(JAVA_INT, uid), one);
            for (long cg : settings.cgroups()) cgroups.update(a.allocateFrom(JAVA_LONG, cg), one);
            for (String c : settings.comms()) {
                MemorySegment k = a.allocate(16);
                byte[] b = c.getBytes(StandardCharsets.UTF_8);
                MemorySegment.copy(b, 0, k, JAVA_BYTE, 0, Math.min(15, b.length));
                comms.update(k, one);
            }
        }
        afterLoad(object);
        ring = new RingBuffer(object.map("events"), bytes -> {
            KernelEvent e;
            try {
                e = decode(bytes);
            } catch (RuntimeException ex) {
                undecodable++;
                return;
            }
            delivered++;
            sink.accept(e);
        });
    }

    @Override
    public void attach() {
        for (Program p : programs) {
            if (!notLoaded.contains(p)) object.attach(p.name());
        }
    }

    /** Whether the programs submit without waking the reader (BPF_RB_NO_WAKEUP): each read then also consumes what is ready. */
    boolean lazyWakeup() { return false; }

    @Override
    public int read(Consumer<KernelEvent> to, int timeoutMs) {
        sink = to;
        int n = ring.poll(timeoutMs);
        return lazyWakeup() ? n + ring.consume() : n;
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("events", delivered);
        m.put("lost", object == null || !object.isLoaded() ? 0 : object.map("stats").lookupU64Sum(0));
        if (undecodable > 0) m.put("undecodable", undecodable);
        if (ring != null && ring.pauses() > 0) m.put("queue_pauses", ring.pauses());
        return m;
    }

    @Override
    public void close() {
        if (ring != null) ring.close();
        if (object != null) object.close();
    }
}
