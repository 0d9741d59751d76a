package dev.vigil.sensor;

import dev.vigil.event.KernelEvent.Exec;
import dev.vigil.event.KernelEvent.Exit;
import dev.vigil.event.KernelEvent;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** exec.bpf.c: every program execution (file, argv) and every process exit (status, lifetime). Linux 5.5+ (tp_btf). */
public final class ExecSensor extends RingSensor {
    private final int maxSlots;

    public ExecSensor() { this(4096); }

    /** maxSlots: the workload sensor's, so the execs it lost are counted by the slot they came from. */
    public ExecSensor(int maxSlots) {
        super("exec", "/dev/vigil/bpf/exec.bpf.o", List.of(new Program("vigil_exec", null, null), new Program("vigil_exit", null, null)));
        if (maxSlots < 1) throw new IllegalArgumentException("maxSlots must be positive");
        this.maxSlots = maxSlots;
    }

    @Override
    void beforeLoad(dev.vigil.bpf.BpfObject o, dev.vigil.event.SensorSettings s) {
        o.setMaxEntries("exec_lost", maxSlots);
    }

    /** Per workload slot a process was forked from, the execs the ring buffer had no room for (slots that lost none are absent). */
    public java.util.Map<Integer, Long> lostBySlot() {
        return object() == null || !object().isLoaded() ? java.util.Map.of() : object().map("exec_lost").nonZeroBySlot();
    }

    /** The fd of its task storage (task_w.h), once loaded: for {@link WorkloadSensor#shareTasks}. */
    int tasksFd() {
        if (object() == null || !object().isLoaded()) throw new IllegalStateException("exec: not loaded");
        return object().map("tasks").fd();
    }

    @Override
    public String header() {
        return "exec: TIME EXEC PID PPID UID COMM cgroup=ID FILE [ARGV] | TIME EXIT PID PPID UID COMM code=N [signal=S] lifetime=SECONDS";
    }

    @Override
    KernelEvent decode(byte[] b) {
        MemorySegment s = MemorySegment.ofArray(b);
        return switch (EventWire.type(b)) {
            case EventWire.EV_EXEC -> {
                EventWire.expect(b, EventWire.EXEC);
                int len = Math.min(s.get(EventWire.I, EventWire.EXEC_ARGS_LEN), EventWire.ARGS_MAX), total = s.get(EventWire.I, EventWire.EXEC_ARGS_TOTAL);
                yield new Exec(EventWire.who(s), EventWire.string(s, EventWire.EXEC_FILENAME, EventWire.PATH_MAX), EventWire.strings(s, EventWire.EXEC_ARGS, len),
                        total > len, EventWire.string(s, EventWire.EXEC_PARENT_EXE, EventWire.PATH_MAX), EventWire.string(s, EventWire.EXEC_EXE, EventWire.PATH_MAX),
                        s.get(EventWire.I, EventWire.EXEC_FLAGS), s.get(EventWire.I, EventWire.EXEC_SLOT), s.get(EventWire.L, EventWire.EXEC_SLOT_CGROUP),
                        EventWire.namespaces(s, EventWire.EXEC_MNT_NS));
            }
            case EventWire.EV_EXIT -> {
                EventWire.expect(b, EventWire.EXIT);
                yield new Exit(EventWire.who(s), s.get(EventWire.I, EventWire.EXIT_CODE), s.get(EventWire.L, EventWire.EXIT_LIFETIME));
            }
            default -> throw new IllegalArgumentException("exec: unknown event type " + EventWire.type(b));
        };
    }
}
