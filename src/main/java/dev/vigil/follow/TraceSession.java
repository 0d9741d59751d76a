package dev.vigil.follow;

import dev.vigil.event.ProbeSpec;
import dev.vigil.event.SensorSettings;
import dev.vigil.sensor.ProbeSensor;
import dev.vigil.sensor.Sensor;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * The sensors of `vigil trace`, started by name with their settings, streamed through one
 * {@link TraceOutput} until stopped, and closed in reverse order. One owner; {@link #counts}
 * may be read from any thread (the metrics server).
 */
public final class TraceSession implements AutoCloseable {
    private final List<Sensor> running = new CopyOnWriteArrayList<>();

    /** Loads and attaches each named sensor with its settings, in order (what started before a failure is closed by close). */
    public void start(Map<String, SensorSettings> chosen) {
        start(chosen, List.of());
    }

    /** {@link #start(Map)} with the config's custom probes (for the probes collector). */
    public void start(Map<String, SensorSettings> chosen, List<ProbeSpec> probes) {
        for (Map.Entry<String, SensorSettings> e : chosen.entrySet()) {
            Sensor s = e.getKey().equals("probes") ? new ProbeSensor(probes) : Sensor.create(e.getKey());
            running.add(Sensor.start(s, e.getValue()));
        }
    }

    /** Each running sensor's counters (events, lost, its own), by name. */
    public Map<String, Map<String, Long>> counts() {
        Map<String, Map<String, Long>> m = new LinkedHashMap<>();
        for (Sensor c : running) m.put(c.name(), c.counts());
        return m;
    }

    /** Prints each sensor's header, then streams events until stop says so or the duration (null: none) has passed. */
    public void run(TraceOutput fmt, PrintStream out, BooleanSupplier stop, Duration duration) throws InterruptedException {
        for (Sensor c : running) out.println(fmt.header(c.name(), c.header()));
        out.flush();
        TraceOutput.run(running, fmt, out, stop, duration);
    }

    /** A line per sensor: its name and counts. */
    public void summary(PrintStream err) {
        for (Sensor c : running) err.printf("vigil: %s: %s%n", c.name(), TraceOutput.counts(c));
    }

    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) running.get(i).close();
        running.clear();
    }
}
