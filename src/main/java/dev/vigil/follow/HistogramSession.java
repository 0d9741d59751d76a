package dev.vigil.follow;

import dev.vigil.sensor.SyscallHistogramSensor;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A histogram probe on one process with its sampler running on a background thread,
 * feeding a queue that the caller drains (the demo's learning and watching phases). One
 * owner; {@link #stop} may be called from any thread (Ctrl-C).
 */
public final class HistogramSession implements AutoCloseable {
    /** One changed sample: when, and the rates of change per syscall. */
    public record Sample(Instant time, double[] deltas) {}

    public interface SampleConsumer {
        void accept(Sample s) throws Exception;
    }

    private final SyscallHistogramSensor probe;
    private final HistogramSampler sampler;
    private final BlockingQueue<Sample> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile Exception error;

    private HistogramSession(SyscallHistogramSensor probe, long timeMs) {
        this.probe = probe;
        this.sampler = new HistogramSampler(probe, timeMs, HistogramSampler.DEFAULT_WARMUP_MS);
        this.thread = Thread.ofPlatform().name("vigil-sampler").daemon(true).start(() -> {
            try {
                sampler.run((time, deltas, counts) -> queue.add(new Sample(time, deltas.clone())), 0);
            } catch (Exception e) {
                error = e;
                sampler.stop();
            }
        });
    }

    /** Attaches a probe to pid and starts sampling every timeMs. */
    public static HistogramSession attach(long pid, long timeMs) {
        return new HistogramSession(SyscallHistogramSensor.attach(pid), timeMs);
    }

    /** Hands the samples of the next seconds to c; false when sampling was stopped first. Rethrows a sampler failure. */
    public boolean drainFor(int seconds, SampleConsumer c) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end && !sampler.stopping()) {
            Sample s = queue.poll(50, TimeUnit.MILLISECONDS);
            if (s != null) c.accept(s);
        }
        if (error != null) throw error;
        return !sampler.stopping();
    }

    public void stop() { sampler.stop(); }

    @Override
    public void close() throws InterruptedException {
        sampler.stop();
        thread.join(2000);
        probe.close();
    }
}
