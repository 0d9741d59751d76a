package dev.vigil.sensor;

import dev.vigil.event.KernelEvent.Unlink;
import dev.vigil.event.KernelEvent;
import dev.vigil.syscall.SyscallTable;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** unlink.bpf.c: file and directory deletions (unlink, unlinkat, rmdir tracepoints) with the path. */
public final class UnlinkSensor extends RingSensor {
    private final SyscallTable table = SyscallTable.host();

    public UnlinkSensor() {
        super("unlink", "/dev/vigil/bpf/unlink.bpf.o", List.of(
                new Program("vigil_unlinkat", "syscalls", "sys_enter_unlinkat"),
                new Program("vigil_unlink", "syscalls", "sys_enter_unlink"),
                new Program("vigil_rmdir", "syscalls", "sys_enter_rmdir")));
    }

    @Override
    public String header() {
        return "unlink: TIME UNLINK PID PPID UID COMM SYSCALL PATH (as passed: a relative path is relative to the working directory or dfd)";
    }

    @Override
    KernelEvent decode(byte[] b) {
        if (EventWire.type(b) != EventWire.EV_UNLINK) throw new IllegalArgumentException("unlink: unknown event type " + EventWire.type(b));
        EventWire.expect(b, EventWire.UNLINK);
        MemorySegment s = MemorySegment.ofArray(b);
        return new Unlink(EventWire.who(s), table.name(s.get(EventWire.I, EventWire.UNLINK_SYSCALL)), s.get(EventWire.I, EventWire.UNLINK_DFD),
                s.get(EventWire.I, EventWire.UNLINK_FLAGS), EventWire.string(s, EventWire.UNLINK_PATH, EventWire.PATH_MAX));
    }
}
