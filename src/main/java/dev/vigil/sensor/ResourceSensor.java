package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfObject;
import dev.vigil.event.KernelEvent.ProcUsage;
import dev.vigil.event.KernelEvent.ResourceSample;
import dev.vigil.event.KernelEvent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * resource.bpf.c: on-CPU time per process from sched_switch and system calls from
 * sys_enter; each period, the top consumers like top(1). The process filters apply here
 * in user space. Needs tp_btf (5.5+).
 */
public final class ResourceSensor extends PeriodicSensor {
    private BpfObject object;
    private final Map<Integer, long[]> previous = new HashMap<>();
    private long processes;

    /** Totals of one process since attach. */
    public record Usage(int pid, String comm, int uid, long oncpuNs, long syscalls) {}

    @Override
    public String name() { return "resource"; }

    @Override
    public String header() {
        return "resource: TIME TOP PID COMM UID CPU% ONCPU-MS SYSCALLS/S (top " + settings.top() + " by CPU), every "
                + settings.period().toMillis() / 1000.0 + " s";
    }

    @Override
    public void open() {
        object = BpfObject.openResource(ResourceSensor.class, "/dev/vigil/bpf/resource.bpf.o");
    }

    @Override
    public void load() {
        object.load();
    }

    @Override
    public void attach() {
        object.attach("vigil_res_switch");
        object.attach("vigil_res_enter");
        object.attach("vigil_res_exec");
        started();
    }

    /** Every process seen since attach. */
    public List<Usage> usage() {
        List<Usage> out = new ArrayList<>();
        object.map("procs").forEach((k, v) -> out.add(usage(k.get(JAVA_INT, 0), v)));
        return out;
    }

    /** One process's totals, if seen. */
    public Optional<Usage> usage(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(EventWire.PROC_USAGE);
            if (!object.map("procs").lookup(a.allocateFrom(JAVA_INT, pid), v)) return Optional.empty();
            return Optional.of(usage(pid, v));
        }
    }

    /** A struct vigil_proc_usage, read through its BTF-checked layout. */
    private static Usage usage(int pid, MemorySegment v) {
        return new Usage(pid, EventWire.string(v, EventWire.USAGE_COMM, EventWire.COMM_LEN), v.get(JAVA_INT, EventWire.USAGE_UID),
                v.get(JAVA_LONG, EventWire.USAGE_ONCPU), v.get(JAVA_LONG, EventWire.USAGE_SYSCALLS));
    }

    @Override
    KernelEvent sample(double seconds) {
        List<ProcUsage> rows = new ArrayList<>();
        Map<Integer, long[]> now = new HashMap<>();
        for (Usage u : usage()) {
            now.put(u.pid(), new long[] {u.oncpuNs(), u.syscalls()});
            if (!settings.passes(u.pid(), u.uid(), u.comm())) continue;
            long[] before = previous.getOrDefault(u.pid(), new long[2]);
            long cpu = u.oncpuNs() - before[0], calls = u.syscalls() - before[1];
            if (cpu <= 0 && calls <= 0) continue;
            rows.add(new ProcUsage(u.pid(), u.comm(), u.uid(), 100.0 * cpu / (seconds * 1e9), cpu, calls, calls / seconds));
        }
        processes = now.size();
        previous.clear();
        previous.putAll(now);
        rows.sort(Comparator.comparingLong(ProcUsage::oncpuNs).thenComparingLong(ProcUsage::syscalls).reversed());
        return new ResourceSample(seconds, List.copyOf(rows.subList(0, Math.min(settings.top(), rows.size()))), rows.size());
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("processes", processes);
        m.put("lost", 0L);
        return m;
    }

    @Override
    public void close() {
        if (object != null) object.close();
    }
}
