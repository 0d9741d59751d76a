package dev.vigil.sensor;

import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.PerCpuArrayReader;
import dev.vigil.host.Procfs;

/**
 * The per-process syscall histogram (syscall_histogram.bpf.c): counts every system call
 * of every thread of one process, by number, in the kernel. {@link #read(long[])} gives
 * the cumulative counts since attach. Owns its BPF object; close it to detach (nothing
 * is left in the kernel). Confined to one thread. Needs tracepoint raw_syscalls/sys_enter,
 * BTF and CAP_BPF + CAP_PERFMON.
 */
public final class SyscallHistogramSensor implements AutoCloseable {
    public static final int MAX_SYSCALLS = 512;
    public static final String OBJECT = "/dev/vigil/bpf/syscall_histogram.bpf.o";

    private final long tgid;
    private final BpfObject object;
    private final PerCpuArrayReader reader;
    private final long[] slots = new long[MAX_SYSCALLS + 1]; // + the out-of-range slot

    private SyscallHistogramSensor(long tgid, BpfObject object) {
        this.tgid = tgid;
        this.object = object;
        this.reader = object.map("histogram").perCpuArrayReader();
    }

    /**
     * Loads and attaches the histogram for the process of pid (a thread id selects its
     * whole process).
     * @throws Procfs.NoSuchProcessException when pid names no process
     */
    public static SyscallHistogramSensor attach(long pid) {
        long tgid = Procfs.tgid(pid);
        BpfObject obj = BpfObject.openResource(SyscallHistogramSensor.class, OBJECT);
        try {
            obj.setGlobal("target_tgid", tgid).load();
            obj.attach("vigil_hist_enter");
            return new SyscallHistogramSensor(tgid, obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    public long tgid() { return tgid; }

    /** Cumulative counts since attach, by syscall number (out.length >= 512). */
    public void read(long[] out) {
        reader.read(slots);
        System.arraycopy(slots, 0, out, 0, MAX_SYSCALLS);
    }

    /** Calls whose number was 512 or more (not in the histogram), as of the last read. */
    public long outOfRange() {
        return slots[MAX_SYSCALLS];
    }

    public boolean usesBatchLookup() { return reader.usesBatch(); }

    @Override
    public void close() {
        reader.close();
        object.close();
    }
}
