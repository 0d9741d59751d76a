package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.vigil.syscall.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Consumes a BPF_MAP_TYPE_RINGBUF map. The native upcall only copies each record into a
 * bounded queue and returns; {@link #poll(int)} then hands the copies to the sink on the
 * polling thread, outside the upcall, so decoding and detection never run inside native
 * code. When the queue is full the upcall stops consumption (the records not yet taken stay
 * in the kernel's ring, which counts its own losses if it fills): nothing taken from the
 * ring is ever dropped in user space; each such pause is counted ({@link #pauses()}). An
 * exception thrown by the sink is counted in {@link #sinkErrors()}. Confined to one polling
 * thread; close it before its map's object.
 */
public final class RingBuffer implements AutoCloseable {
    private static final MethodHandle SAMPLE;

    static {
        try {
            SAMPLE = MethodHandles.lookup().findVirtual(RingBuffer.class, "onSample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Consumer<byte[]> sink;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rb;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sinkErrors = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final java.util.ArrayDeque<byte[]> queue = new java.util.ArrayDeque<>();
    private final int capacity;
    private boolean full, closed;

    /** With a queue of 4,096 records between the upcall and the sink. */
    public RingBuffer(BpfMap map, Consumer<byte[]> sink) {
        this(map, sink, 4096);
    }

    /** With a queue of capacity records between the upcall and the sink. */
    public RingBuffer(BpfMap map, Consumer<byte[]> sink, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity < 1");
        this.capacity = capacity;
        if (map.type() != BpfMap.RINGBUF) throw new IllegalArgumentException("map " + map.name() + " is not a ring buffer");
        this.name = map.name();
        this.sink = sink;
        MemorySegment callback = Libbpf.LINKER.upcallStub(SAMPLE.bindTo(this), Libbpf.RING_BUFFER_SAMPLE, arena);
        MemorySegment state = Libbpf.callState(arena);
        MemorySegment r;
        try {
            r = (MemorySegment) Libbpf.RING_BUFFER_NEW.invokeExact(state, map.fd(), callback, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException(t);
        }
        if (r.equals(MemorySegment.NULL)) {
            int errno = Libbpf.errno(state);
            arena.close();
            throw new BpfException("open ring buffer " + name, errno);
        }
        rb = r;
    }

    /**
     * Waits up to timeoutMs for records and consumes all that are ready.
     * @return the number of records consumed (0 on timeout or EINTR)
     */
    public int poll(int timeoutMs) {
        if (closed) throw new IllegalStateException("ring buffer " + name + " is closed");
        int rc;
        try {
            rc = (int) Libbpf.RING_BUFFER_POLL.invokeExact(rb, timeoutMs);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return drained(rc, "poll");
    }

    /**
     * Hands the queued copies to the sink; while the upcall had stopped on a full queue,
     * consumes and hands on again. Returns the records handed on.
     */
    private int drained(int rc, String op) {
        if (rc < 0 && !full && rc != -Errno.EINTR) throw new BpfException(op + " ring buffer " + name, -rc);
        int n = drain();
        while (full) {
            full = false;
            int more;
            try {
                more = (int) Libbpf.RING_BUFFER_CONSUME.invokeExact(rb);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (more < 0 && !full) throw new BpfException("consume ring buffer " + name, -more);
            n += drain();
        }
        return n;
    }

    private int drain() {
        int n = 0;
        for (byte[] b; (b = queue.poll()) != null; n++) {
            try {
                sink.accept(b);
            } catch (Throwable t) {
                sinkErrors.incrementAndGet();
            }
        }
        return n;
    }

    /**
     * Consumes every record ready now without waiting, whether or not the kernel sent a
     * wake-up (producers that submit with BPF_RB_NO_WAKEUP rely on this).
     * @return the number of records consumed
     */
    public int consume() {
        if (closed) throw new IllegalStateException("ring buffer " + name + " is closed");
        int rc;
        try {
            rc = (int) Libbpf.RING_BUFFER_CONSUME.invokeExact(rb);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return drained(rc, "consume");
    }

    /** Times the queue filled and consumption paused until the sink caught up (nothing lost). */
    public long pauses() { return pauses.get(); }

    /** Records handed to the sink so far. */
    public long received() { return received.get(); }

    /** Records whose sink threw. */
    public long sinkErrors() { return sinkErrors.get(); }

    @SuppressWarnings("unused") // upcall from ring_buffer__poll
    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            queue.add(data.reinterpret(size).toArray(JAVA_BYTE));
            received.incrementAndGet();
            if (queue.size() >= capacity) {
                full = true;
                pauses.incrementAndGet();
                return -1; // stop consuming: this record is already queued; the rest stay in the ring
            }
        } catch (Throwable t) {
            sinkErrors.incrementAndGet();
        }
        return 0;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Libbpf.RING_BUFFER_FREE.invokeExact(rb);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
