package dev.vigil.sensor;

import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import java.util.function.Consumer;

/** A collector that aggregates in the kernel and emits one sample per period. */
abstract class PeriodicSensor implements Sensor {
    SensorSettings settings = SensorSettings.defaults();
    private long next, last;
    long samples;

    /** Reads the maps and builds the sample of the period that just ended (seconds long). */
    abstract KernelEvent sample(double seconds);

    /** Called after attach: remember where counting starts. */
    void started() {
        last = System.nanoTime();
        next = last + settings.period().toNanos();
    }

    @Override
    public void configure(SensorSettings s) {
        settings = s;
    }

    @Override
    public int read(Consumer<KernelEvent> sink, int timeoutMs) {
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
        KernelEvent e = sample((now - last) / 1e9);
        last = now;
        next = now + settings.period().toNanos();
        samples++;
        if (e == null) return 0;
        sink.accept(e);
        return 1;
    }
}
