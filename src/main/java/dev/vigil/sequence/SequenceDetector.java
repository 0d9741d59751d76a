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
    private final int frame;
    private volatile long belowFrame;

    /**
     * @param burst anomalies of a process less than this apart are one alert (0 s: one each)
     * @param frame anomalous calls a thread must have made in its last 128 (pH's locality frame) for its anomaly, or its
     *              burst's worst, to be an alert; 1: every one
     */
    public SequenceDetector(String host, SyscallTable table, ProcessDescriber describer, int tolerizeLimit, long stableCalls, Duration burst,
                            int frame, BiPredicate<ProcessRef, ProcessContext> passes, Consumer<Alert> sink) {
        if (frame < 1) throw new IllegalArgumentException("frame must be at least 1");
        this.alerts = new SequenceAlerts(host, table, describer, tolerizeLimit, stableCalls);
        this.bursts = burst.isZero() ? null : new SequenceBursts(burst, burst.multipliedBy(10));
        this.context = describer.context();
        this.passes = passes;
        this.frame = frame;
        this.sink = a -> {
            if (below(a)) belowFrame += a.evidence().get("burst_anomalies") instanceof Number n ? n.longValue() : 1;
            else sink.accept(a);
        };
    }

    /** Symbolizes anomalies' stacks through the agent's symbolizer (see {@link SequenceAlerts#stacks}). */
    public void stacks(java.util.function.BiFunction<Integer, dev.vigil.event.KernelEvent.UserStack, java.util.List<dev.vigil.host.StackFrame>> stacks) {
        alerts.stacks(stacks);
    }

    /** Every anomaly an alert (frame 1). */
    public SequenceDetector(String host, SyscallTable table, ProcessDescriber describer, int tolerizeLimit, long stableCalls, Duration burst,
                            BiPredicate<ProcessRef, ProcessContext> passes, Consumer<Alert> sink) {
        this(host, table, describer, tolerizeLimit, stableCalls, burst, 1, passes, sink);
    }

    /** An anomaly (or a burst of them) whose thread stayed under the frame: isolated unseen pairs, counted, not raised. */
    private boolean below(Alert a) {
        if (frame <= 1 || !a.kind().equals("anomaly")) return false;
        Object worst = a.evidence().containsKey("burst_max_anomalies_in_last_128") ? a.evidence().get("burst_max_anomalies_in_last_128")
                : a.evidence().get("anomalies_in_last_128");
        return worst instanceof Number n && n.intValue() < frame;
    }

    /** Anomalies not raised because their thread stayed under the frame. */
    public long belowFrame() { return belowFrame; }

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
        metrics.counter("vigil_sequence_anomalies_below_frame",
                "Sequence anomalies not raised: their thread made fewer anomalous calls in its last 128 than detectors.sequence.alert_frame",
                this::belowFrame);
        if (bursts != null) metrics.counter("vigil_sequence_anomalies_in_bursts", "Sequence anomalies folded into the alert of their burst", bursts::folded);
    }
}
