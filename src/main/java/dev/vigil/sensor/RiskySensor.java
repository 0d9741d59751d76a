package dev.vigil.sensor;

import dev.vigil.event.KernelEvent.Risky;
import dev.vigil.event.KernelEvent;
import dev.vigil.syscall.RiskyCalls;
import dev.vigil.syscall.SyscallTable;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * risky.bpf.c: the high-risk calls of {@link RiskyCalls} (ptrace, set*id, capset, modules,
 * kexec, bpf, perf_event_open, mounts, namespaces, memfd_create, execveat, signals to
 * another process), one syscalls/sys_enter_* program each, with decoded arguments. Calls
 * whose tracepoint the kernel lacks are listed by {@link #unavailable()}.
 */
public final class RiskySensor extends RingSensor {
    private final SyscallTable table = SyscallTable.host();

    public RiskySensor() {
        super("risky", "/dev/vigil/bpf/risky.bpf.o", programs());
    }

    private static List<Program> programs() {
        List<Program> p = new ArrayList<>();
        for (RiskyCalls.Call c : RiskyCalls.ALL) p.add(new Program("vigil_risky_" + c.tracepoint(), "syscalls", "sys_enter_" + c.tracepoint()));
        return p;
    }

    @Override
    public String header() {
        List<String> missing = unavailable();
        return "risky: TIME RISKY PID PPID UID COMM SYSCALL DECODED-ARGUMENTS"
                + (missing.isEmpty() ? "" : " (not in this kernel: " + String.join(", ", missing) + ")");
    }

    @Override
    KernelEvent decode(byte[] b) {
        if (EventWire.type(b) != EventWire.EV_RISKY) throw new IllegalArgumentException("risky: unknown event type " + EventWire.type(b));
        EventWire.expect(b, EventWire.RISKY);
        MemorySegment s = MemorySegment.ofArray(b);
        int nr = s.get(EventWire.I, EventWire.RISKY_SYSCALL);
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) args[i] = s.get(EventWire.L, EventWire.RISKY_ARGS + 8L * i);
        String str = EventWire.string(s, EventWire.RISKY_STR, EventWire.RISKY_STR_LEN), name = table.name(nr);
        return new Risky(EventWire.who(s), nr, name, args, str, RiskyCalls.detail(name, args, str));
    }

}
