package dev.vigil.bpf;

import dev.vigil.testing.Native;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Events per second through the ring-buffer path, and the share lost when the consumer
 * falls behind, for the design before this change (the sink runs inside the native upcall)
 * and after it (the upcall copies into a bounded queue; the sink runs after the poll), in one
 * run, rounds interleaved. The producer is ringbuf_test.bpf.c: one 32-byte event per getppid
 * of a child looping as fast as it can into a 256 KiB ring; the sink decodes each event and
 * keeps a running sum (the cheapest real consumer). Usage: bench/ringbuf.sh [events] [rounds]
 */
public final class RingBufferBench {
    /** The design before: the sink is called from inside ring_buffer__poll's upcall. */
    static final class UpcallRing {
        private static final MethodHandle SAMPLE;

        static {
            try {
                SAMPLE = MethodHandles.lookup().findVirtual(UpcallRing.class, "onSample",
                        MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Arena arena = Arena.ofShared();
        private final MemorySegment rb;
        private final Consumer<byte[]> sink;
        long received;

        UpcallRing(BpfMap map, Consumer<byte[]> sink) throws Throwable {
            this.sink = sink;
            MemorySegment cb = Libbpf.LINKER.upcallStub(SAMPLE.bindTo(this), Libbpf.RING_BUFFER_SAMPLE, arena);
            rb = (MemorySegment) Libbpf.RING_BUFFER_NEW.invokeExact(Libbpf.callState(arena), map.fd(), cb, MemorySegment.NULL, MemorySegment.NULL);
        }

        int poll(int ms) throws Throwable { return (int) Libbpf.RING_BUFFER_POLL.invokeExact(rb, ms); }

        @SuppressWarnings("unused")
        private int onSample(MemorySegment ctx, MemorySegment data, long size) {
            try {
                received++;
                sink.accept(data.reinterpret(size).toArray(JAVA_BYTE));
            } catch (Throwable t) {
                // counted nowhere: the old design's weakness
            }
            return 0;
        }

        void close() throws Throwable {
            Libbpf.RING_BUFFER_FREE.invokeExact(rb);
            arena.close();
        }
    }

    record Result(long produced, long delivered, double seconds) {
        double perSecond() { return delivered / seconds; }
        double lostShare() { return 1 - (double) delivered / produced; }
    }

    static long sum;

    public static void main(String[] args) throws Throwable {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Result> before = new ArrayList<>(), after = new ArrayList<>(), drainBefore = new ArrayList<>(), drainAfter = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            before.add(run(n, false, false));
            after.add(run(n, true, false));
            drainBefore.add(run(n, false, true));
            drainAfter.add(run(n, true, true));
        }
        System.out.printf(Locale.ROOT, "ring buffer, %d events (one per getppid) x %d interleaved rounds, median of rounds%n", n, rounds);
        System.out.println(" consumer capacity: the child fills a 128 MiB ring first, then the ring is drained (events/s of the drain)");
        print("before: sink in the upcall     ", drainBefore);
        print("after: bounded queue, then sink", drainAfter);
        System.out.printf(Locale.ROOT, "  after / before                        %.2f x%n", median(drainAfter, true) / median(drainBefore, true));
        System.out.println(" at the producer's full speed into a 256 KiB ring, consumed while it runs (events/s over the child's run)");
        print("before: sink in the upcall     ", before);
        print("after: bounded queue, then sink", after);
    }

    static void print(String name, List<Result> rs) {
        System.out.printf(Locale.ROOT, "  %s  %,12.0f events/s delivered, %5.2f %% lost (ring full)%n", name, median(rs, true), 100 * median(rs, false));
    }

    static double median(List<Result> rs, boolean rate) {
        double[] v = rs.stream().mapToDouble(r -> rate ? r.perSecond() : r.lostShare()).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** drain: a ring big enough for every event, filled while nothing consumes, then drained and timed. */
    static Result run(long n, boolean queued, boolean drain) throws Throwable {
        Process child = new ProcessBuilder(Native.helper("getppid_loop").toString(), Long.toString(n), "--wait")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BpfObject obj = BpfObject.openResource(RingBufferBench.class, "/dev/vigil/bpf/ringbuf_test.bpf.o")) {
            obj.setGlobal("target_tgid", child.pid());
            if (drain) obj.setMaxEntries("events", 128 << 20);
            obj.load();
            obj.attach("vigil_rb_test");
            Consumer<byte[]> sink = b -> sum += TestEvent.decode(b).seq();
            long delivered;
            long[] t0 = {System.nanoTime()};
            if (queued) {
                try (RingBuffer rb = new RingBuffer(obj.map("events"), sink)) {
                    consume(child, drain, t0, rb::poll);
                    delivered = rb.received();
                }
            } else {
                UpcallRing rb = new UpcallRing(obj.map("events"), sink);
                try {
                    consume(child, drain, t0, rb::poll);
                    delivered = rb.received;
                } finally {
                    rb.close();
                }
            }
            double seconds = (System.nanoTime() - t0[0]) / 1e9;
            if (!child.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("getppid_loop did not finish");
            return new Result(obj.map("counters").lookupU64Sum(0), delivered, seconds);
        } finally {
            child.destroyForcibly();
        }
    }

    /** A ring's poll, whichever design. */
    interface Poll {
        int poll(int ms) throws Throwable;
    }

    /** Lets the child run and consumes until it has ended and the ring is empty; with drain, the clock starts once the child is done. */
    private static void consume(Process child, boolean drain, long[] t0, Poll rb) throws Throwable {
        go(child);
        if (drain) {
            child.waitFor(120, TimeUnit.SECONDS);
            t0[0] = System.nanoTime();
        }
        while (child.isAlive()) rb.poll(10);
        while (rb.poll(0) > 0) { }
    }

    private static void go(Process child) throws Exception {
        OutputStream in = child.getOutputStream();
        in.write('g');
        in.flush();
    }
}
