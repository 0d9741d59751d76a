package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.syscall.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Reads a whole BPF_MAP_TYPE_PERCPU_ARRAY of u64 counters, summing the CPUs, into a
 * long[]: one BPF_MAP_LOOKUP_BATCH call where the kernel has it (5.6+), else one lookup
 *  per index. Buffers are allocated once. Used by one thread at a time; close it (or let its
 * map's object close) to free the buffers.
 */
public final class PerCpuArrayReader implements AutoCloseable {
    private final BpfMap map;
    private final Arena arena = Arena.ofShared();
    private final int entries;
    private final int cpus;
    private final long stride;
    private final MemorySegment keys, values, inBatch, outBatch, count, opts, state, key;
    private boolean batch = true;

    PerCpuArrayReader(BpfMap map) {
        if (map.type() != BpfMap.PERCPU_ARRAY || map.valueSize() != 8) {
            throw new IllegalArgumentException("map " + map.name() + " is not a per-CPU array of u64");
        }
        this.map = map;
        this.entries = map.maxEntries();
        this.cpus = Libbpf.numPossibleCpus();
        this.stride = 8L * cpus;
        keys = arena.allocate(4L * entries, 8);
        values = arena.allocate(stride * entries, 8);
        inBatch = arena.allocate(8);
        outBatch = arena.allocate(8);
        count = arena.allocate(JAVA_INT);
        opts = arena.allocate(24, 8);
        opts.set(JAVA_LONG, 0, 24);
        state = Libbpf.callState(arena);
        key = arena.allocate(JAVA_INT);
    }

    /** Number of counters (the map's max_entries). */
    public int size() { return entries; }

    /** True while batch lookups work here (false after a fallback). */
    public boolean usesBatch() { return batch; }

    /** Fills out[i] with the sum over CPUs of counter i. */
    public void read(long[] out) {
        if (out.length < entries) throw new IllegalArgumentException("need " + entries + " slots");
        map.checkOpen();
        if (batch && readBatch(out)) return;
        for (int i = 0; i < entries; i++) {
            key.set(JAVA_INT, 0, i);
            MemorySegment v = values.asSlice(0, stride);
            if (!map.lookup(key, v)) {
                out[i] = 0;
                continue;
            }
            out[i] = sum(v, 0);
        }
    }

    private boolean readBatch(long[] out) {
        int fd = map.fd();
        int done = 0;
        boolean first = true;
        try {
            while (done < entries) {
                count.set(JAVA_INT, 0, entries - done);
                MemorySegment in = first ? MemorySegment.NULL : inBatch;
                int rc = (int) Libbpf.MAP_LOOKUP_BATCH.invokeExact(state, fd, in, outBatch,
                        keys.asSlice(4L * done), values.asSlice(stride * done), count, opts);
                int n = count.get(JAVA_INT, 0);
                int errno = rc == 0 ? 0 : Libbpf.errno(state);
                if (rc != 0 && errno != Errno.ENOENT) {
                    if (errno == Errno.EINVAL || errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP || errno == Errno.ENOSYS) {
                        batch = false;
                        return false;
                    }
                    throw new BpfException("batch lookup in map " + map.name(), errno);
                }
                for (int j = 0; j < n; j++) {
                    int k = keys.get(JAVA_INT, 4L * (done + j));
                    out[k] = sum(values, stride * (done + j));
                }
                done += n;
                if (rc != 0) break; // ENOENT: end of map
                inBatch.copyFrom(outBatch);
                first = false;
            }
            return true;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private long sum(MemorySegment v, long base) {
        long s = 0;
        for (int c = 0; c < cpus; c++) s += v.get(JAVA_LONG, base + 8L * c);
        return s;
    }

    @Override
    public void close() {
        arena.close();
    }
}
