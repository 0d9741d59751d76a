package dev.vigil.agent;

import dev.vigil.config.AgentConfig;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.sensor.ExecSensor;
import dev.vigil.sensor.RiskySensor;
import dev.vigil.sensor.Sensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one unit that puts a process's context before what the detectors say of it. The
 * context sensors (exec, risky) and the detectors' sensors have rings of their own, so an
 * item or an anomaly can be read before the exec event of the process that made it, which
 * the kernel sent first. Every detector event goes through {@link #before}: one that names
 * a process (a first sight, an anomaly, a state change) waits until every context event
 * sent so far has been handed to the sink (the process context, then the workloads'
 * lineage). Live only: a recording is replayed in the order it was handled. One owner,
 * confined to the agent's loop.
 */
final class ContextFirst implements AutoCloseable {
    private final List<Sensor> sensors;
    private final Consumer<KernelEvent> sink;

    private ContextFirst(List<Sensor> sensors, Consumer<KernelEvent> sink) {
        this.sensors = sensors;
        this.sink = sink;
    }

    /** Starts the config's context sensors (exec, risky); without them (they cannot load), alerts carry no command lines, and log says so. */
    static ContextFirst start(AgentConfig config, PrintStream log, Consumer<KernelEvent> sink) {
        List<Sensor> started = new ArrayList<>();
        SensorSettings fs = config.filters();
        try {
            if (config.contextCollectors().contains("exec")) started.add(Sensor.start(new ExecSensor(config.profiles().maxSlots()), fs));
            if (config.contextCollectors().contains("risky")) started.add(Sensor.start(new RiskySensor(), fs));
        } catch (RuntimeException e) {
            started.forEach(Sensor::close);
            log.println("vigil: alerts without process context (" + e.getMessage() + ")");
            return new ContextFirst(List.of(), sink);
        }
        return new ContextFirst(List.copyOf(started), sink);
    }

    /** The exec sensor, when it runs (the workload sensor shares its task storage). */
    java.util.Optional<ExecSensor> exec() {
        return sensors.stream().filter(ExecSensor.class::isInstance).map(ExecSensor.class::cast).findFirst();
    }

    /** The context sensors running (for their loss counters). */
    List<Sensor> sensors() { return sensors; }

    /** Does a detector event name a process whose context must be known first? */
    static boolean needsContext(KernelEvent e) {
        return e instanceof KernelEvent.Item || e instanceof KernelEvent.Anomaly || e instanceof KernelEvent.StateChange;
    }

    /** Drains the context first when e needs it. */
    void before(KernelEvent e) {
        if (needsContext(e)) drain();
    }

    /** Hands every context event sent so far to the sink. */
    void drain() {
        for (Sensor s : sensors) {
            while (s.read(sink::accept, 0) > 0) { }
        }
    }

    @Override
    public void close() {
        for (int i = sensors.size() - 1; i >= 0; i--) sensors.get(i).close();
    }
}
