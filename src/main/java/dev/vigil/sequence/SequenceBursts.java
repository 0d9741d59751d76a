package dev.vigil.sequence;

import dev.vigil.alert.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One alert per burst of unseen call sequences, not one per call: the sequence detector's
 * anomalies of one process open a burst that stays open while more come within
 * {@code quiet} of the last (at most {@code longest}); when it closes, one alert says how
 * many unseen sequences the process made, how many distinct, over how long, with the first
 * as its lead (its dedup key, so a repeat of the same burst start is suppressed) and up to
 * {@value #SAMPLES} distinct ones in its evidence. A burst of one is the anomaly's own
 * alert. State changes and other alerts pass through. Time is the alerts' own (so replays
 * burst as live runs do). Confined to the agent's thread.
 */
public final class SequenceBursts {
    static final int SAMPLES = 10;
    private final Duration quiet, longest;

    private static final class Burst {
        final Alert first;
        Instant last;
        int count = 1;
        int maxLfc;
        final Set<String> distinct = new LinkedHashSet<>();
        Alert.Severity worst;

        Burst(Alert first) {
            this.first = first;
            this.last = first.time();
            this.worst = first.severity();
            distinct.add(sequence(first));
            maxLfc = lfc(first);
        }
    }

    private final Map<Integer, Burst> open = new LinkedHashMap<>();
    private long folded;

    public SequenceBursts(Duration quiet, Duration longest) {
        this.quiet = quiet;
        this.longest = longest;
    }

    /** Anomalies folded into another's burst alert so far. */
    public long folded() { return folded; }

    static String sequence(Alert a) {
        Object before = a.evidence().get("sequence");
        String b = before instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList()) : String.valueOf(before);
        return a.evidence().get("syscall") + " after [" + b + "]";
    }

    static int lfc(Alert a) {
        return a.evidence().get("anomalies_in_last_128") instanceof Number n ? n.intValue() : 0;
    }

    /** Takes in an alert: a sequence anomaly joins its process's burst (returns the bursts it closed), anything else passes. */
    public List<Alert> offer(Alert a) {
        if (!a.detector().equals(SequenceAlerts.DETECTOR) || !a.kind().equals("anomaly") || a.process() == null || quiet.isZero()) return List.of(a);
        List<Alert> out = due(a.time());
        Burst b = open.get(a.process().pid());
        if (b == null) {
            open.put(a.process().pid(), new Burst(a));
        } else {
            b.count++;
            b.last = a.time();
            if (b.distinct.size() < 1000) b.distinct.add(sequence(a));
            b.maxLfc = Math.max(b.maxLfc, lfc(a));
            if (a.severity().compareTo(b.worst) > 0) b.worst = a.severity();
        }
        return out;
    }

    /** The bursts closed by now: quiet for {@code quiet}, or open for {@code longest}; all of them when now is null. */
    public List<Alert> due(Instant now) {
        List<Alert> out = new ArrayList<>();
        for (Iterator<Burst> it = open.values().iterator(); it.hasNext(); ) {
            Burst b = it.next();
            if (now != null && now.isBefore(b.last.plus(quiet)) && now.isBefore(b.first.time().plus(longest))) continue;
            it.remove();
            out.add(alert(b));
        }
        return out;
    }

    private Alert alert(Burst b) {
        if (b.count == 1) return b.first;
        folded += b.count - 1;
        Alert f = b.first;
        double secs = Duration.between(f.time(), b.last).toMillis() / 1000.0;
        String comm = f.process().comm().isEmpty() ? "process" : f.process().comm();
        String summary = String.format(java.util.Locale.ROOT,
                "%s (pid %d) made %d system-call sequences its profile never saw in %.1f s (%d distinct, up to %d anomalous in 128 calls); the first: %s",
                comm, f.process().pid(), b.count, secs, b.distinct.size(), b.maxLfc, sequence(f));
        Map<String, Object> ev = new LinkedHashMap<>(f.evidence());
        ev.put("burst_anomalies", b.count);
        ev.put("burst_distinct", b.distinct.size());
        ev.put("burst_seconds", secs);
        ev.put("burst_max_anomalies_in_last_128", b.maxLfc);
        ev.put("burst_sequences", List.copyOf(b.distinct.stream().limit(SAMPLES).toList()));
        return new Alert(f.time(), f.host(), f.detector(), f.kind(), b.worst, summary, f.process(), f.ancestry(), ev, f.profile(), f.dedupKey(), f.suppressed());
    }
}
