package dev.vigil.collect;

import java.util.function.Consumer;

/** A collector that aggregates in the kernel and emits one sample per period. */
abstract class PeriodicCollector implements Collector {
    CollectorSettings settings = CollectorSettings.defaults();
    private long next, last;
    long samples;

    /** Reads the maps and builds the sample of the period that just ended (seconds long). */
    abstract TraceEvent sample(double seconds);

    /** Called after attach: remember where counting starts. */
    void started() {
        last = System.nanoTime();
        next = last + settings.period().toNanos();
    }

    @Override
    public void configure(CollectorSettings s) {
        settings = s;
    }

    @Override
    public int read(Consumer<TraceEvent> sink, int timeoutMs) {
        long now = System.nanoTime();
        if (now < next) {
            long waitMs = Math.min(timeoutMs, (next - now + 999_999) / 1_000_000);
            if (waitMs > 0) {
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
            now = System.nanoTime();
            if (now < next) return 0;
        }
        TraceEvent e = sample((now - last) / 1e9);
        last = now;
        next = now + settings.period().toNanos();
        samples++;
        if (e == null) return 0;
        sink.accept(e);
        return 1;
    }
}
