package dev.vigil.follow;

import dev.vigil.event.SensorSettings;
import dev.vigil.host.ProcessContext;
import dev.vigil.sensor.RiskySensor;
import dev.vigil.sensor.Sensor;
import java.util.Set;

/**
 * The risky collector filtered in the kernel to one process (`vigil run`'s alert context);
 * absent, with a line on stderr, when it cannot load. One owner.
 */
public record RiskyContext(RiskySensor collector) implements AutoCloseable {
    public static RiskyContext start(long tgid) {
        try {
            return new RiskyContext(Sensor.start(new RiskySensor(), SensorSettings.defaults().withPids(Set.of((int) tgid))));
        } catch (RuntimeException e) {
            System.err.println("vigil: alerts without high-risk call context (" + e.getMessage() + ")");
            return new RiskyContext(null);
        }
    }

    /** Hands what the collector has to the context. */
    public void drainInto(ProcessContext context) {
        if (collector != null) while (collector.read(context::accept, 0) > 0) { }
    }

    @Override
    public void close() {
        if (collector != null) collector.close();
    }
}
