package dev.vigil.follow;

import dev.vigil.detect.RateOfChange;
import dev.vigil.host.Procfs;
import dev.vigil.sensor.SyscallHistogramSensor;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sampling loop of learn, run and demo: every interval, read the histogram; when it
 * changed, compute the rate-of-change deltas and hand them to the sink. Stops when asked
 * ({@link #stop()}, e.g. from a Ctrl-C hook) or when the target exits, after one last
 * read so its final calls are not lost. The loop runs on the caller's thread; stop()
 * may be called from any thread.
 */
public final class HistogramSampler implements AutoCloseable {
    /** Receives each changed sample; deltas is reused, copy it to keep it. */
    public interface Sink {
        void sample(Instant time, double[] deltas, long[] counts) throws Exception;
    }

    /** How a sampling run ended. */
    public record Result(long reads, long samples, boolean targetExited, boolean stopped) {}

    /** Default warm-up after attach, in ms: samples in it are not handed out. */
    public static final long DEFAULT_WARMUP_MS = 3000;

    /** The width of a sample: one rate per system-call number. */
    public static final int WIDTH = SyscallHistogramSensor.MAX_SYSCALLS;

    private final SyscallHistogramSensor collector;
    private boolean owned;
    private final long intervalNanos;
    private final long warmupSamples;
    private final AtomicBoolean stop = new AtomicBoolean();

    /**
     * @param warmupMs the first changed samples within this time after attach are
     *     dropped: sample k of the rate of change is about 1/k of each steady count, so
     *     the first few swing widely with a single extra call; learn and run drop the
     *     same warm-up, so a model never judges samples unlike the ones it learned
     */
    public HistogramSampler(SyscallHistogramSensor collector, long intervalMs, long warmupMs) {
        check(intervalMs, warmupMs);
        this.collector = collector;
        this.intervalNanos = intervalMs * 1_000_000L;
        this.warmupSamples = (warmupMs + intervalMs - 1) / intervalMs;
    }

    private static void check(long intervalMs, long warmupMs) {
        if (intervalMs < 1) throw new IllegalArgumentException("--time must be at least 1 ms");
        if (warmupMs < 0) throw new IllegalArgumentException("--warmup must be at least 0 ms");
    }

    /** Attaches a histogram probe to the process tgid and samples it; close releases the probe. */
    public static HistogramSampler attach(long tgid, long intervalMs, long warmupMs) {
        check(intervalMs, warmupMs); // bad intervals fail before anything is loaded
        SyscallHistogramSensor probe = SyscallHistogramSensor.attach(tgid);
        HistogramSampler s = new HistogramSampler(probe, intervalMs, warmupMs);
        s.owned = true;
        return s;
    }

    /** Closes the probe when {@link #attach} made it (one given to the constructor stays its owner's). */
    @Override
    public void close() {
        if (owned) collector.close();
        owned = false;
    }

    public void stop() { stop.set(true); }

    public boolean stopping() { return stop.get(); }

    /**
     * Samples until stopped, the target exits, or maxSamples changed samples (0: no limit).
     * The first read after attach is the baseline, not a sample: against zero counts every
     * active syscall would have rate 1.0 (evilsocket's tool emits that row; vigil does not,
     * in learn and run alike, so the two see the same kind of rows).
     */
    public Result run(Sink sink, long maxSamples) throws Exception {
        int width = SyscallHistogramSensor.MAX_SYSCALLS;
        RateOfChange roc = new RateOfChange(width);
        long[] counts = new long[width];
        double[] deltas = new double[width];
        collector.read(counts);
        roc.next(counts, deltas);
        long reads = 1, samples = 0, warm = 0;
        long next = System.nanoTime() + intervalNanos;
        boolean exited = false;
        while (!stop.get()) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            next += intervalNanos;
            if (System.nanoTime() > next) next = System.nanoTime() + intervalNanos; // fell behind: do not burst
            exited = !Procfs.alive(collector.tgid());
            collector.read(counts);
            reads++;
            if (roc.next(counts, deltas)) {
                if (warm < warmupSamples) {
                    warm++;
                    if (exited) break;
                    continue;
                }
                samples++;
                sink.sample(Instant.now(), deltas, counts);
                if (maxSamples > 0 && samples >= maxSamples) break;
            }
            if (exited) break;
        }
        return new Result(reads, samples, exited, stop.get());
    }
}
