package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Consumes a BPF_MAP_TYPE_RINGBUF map. {@link #poll(int)} waits for records and hands a
 * copy of each to the sink on the polling thread; the sink should only enqueue (decoding
 * and detection belong on other threads). An exception thrown by the sink is counted in
 * {@link #sinkErrors()} and never crosses into native code. Confined to one polling
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
    private boolean closed;

    public RingBuffer(BpfMap map, Consumer<byte[]> sink) {
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
        if (rc == -Errno.EINTR) return 0;
        if (rc < 0) throw new BpfException("poll ring buffer " + name, -rc);
        return rc;
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
        if (rc < 0) throw new BpfException("consume ring buffer " + name, -rc);
        return rc;
    }

    /** Records handed to the sink so far. */
    public long received() { return received.get(); }

    /** Records whose sink threw. */
    public long sinkErrors() { return sinkErrors.get(); }

    @SuppressWarnings("unused") // upcall from ring_buffer__poll
    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            byte[] copy = data.reinterpret(size).toArray(JAVA_BYTE);
            received.incrementAndGet();
            sink.accept(copy);
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
