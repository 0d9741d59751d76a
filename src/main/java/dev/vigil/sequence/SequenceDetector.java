package dev.vigil.sequence;

import dev.vigil.alert.Alert;
import dev.vigil.alert.Metrics;
import dev.vigil.alert.ProcessRef;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.syscall.SyscallTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The sequence detector's alerts, as the agent's run modes (live, replayed traces) all wire
 * them: each event of the kernel's profiles (or of their Java twin) in words, an anomaly
 * joined to its process's burst when bursts are on, and the alerts that pass the filter
 * handed to the sink. Confined to the detector thread.
 */
public final class SequenceDetector {
    private final SequenceAlerts alerts;
    /** Null when the config's burst is 0 s: one alert per anomaly. */
    private final SequenceBursts bursts;
    private final ProcessContext context;
    private final BiPredicate<ProcessRef, ProcessContext> passes;
    private final Consumer<Alert> sink;

    /**
     * @param burst anomalies of a process less than this apart are one alert (0 s: one each)
     */
    public SequenceDetector(String host, SyscallTable table, ProcessDescriber describer, int tolerizeLimit, long stableCalls, Duration burst,
                            BiPredicate<ProcessRef, ProcessContext> passes, Consumer<Alert> sink) {
        this.alerts = new SequenceAlerts(host, table, describer, tolerizeLimit, stableCalls);
        this.bursts = burst.isZero() ? null : new SequenceBursts(burst, burst.multipliedBy(10));
        this.context = describer.context();
        this.passes = passes;
        this.sink = sink;
    }

    /** Paths of executables by profile key, for the alerts' words and the saved profiles. */
    public Map<ProfileKey, String> paths() { return alerts.paths(); }

    public void accept(KernelEvent.Sequence e) {
        alerts.toAlert(e).filter(a -> passes.test(a.process(), context)).ifPresent(this::burst);
    }

    /** An anomaly joins its process's burst ({@link SequenceBursts}); the rest go out. */
    private void burst(Alert a) {
        if (bursts == null) sink.accept(a);
        else bursts.offer(a).forEach(sink);
    }

    /** Closes the bursts quiet since now (null: all). */
    public void due(Instant now) {
        if (bursts != null) bursts.due(now).forEach(sink);
    }

    public void register(Metrics metrics) {
        if (bursts != null) metrics.counter("vigil_sequence_anomalies_in_bursts", "Sequence anomalies folded into the alert of their burst", bursts::folded);
    }
}
