package dev.vigil.agent;

import dev.vigil.alert.Alert;
import dev.vigil.alert.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Every loss is an alert. Each source is a counter of something vigil did not see or could
 * not keep (events a full ring buffer dropped, a full kernel or user table, paths cut, an
 * output that dropped alerts, an item of a process already gone); when one grows, a
 * high-severity {@code coverage} alert names what was lost, how much, since when, and what
 * it means for detection, at most one per source a minute (later losses add up into the
 * next). {@code vigil_coverage_degraded} is 1 while any loss is less than ten minutes old,
 * and {@code vigil_coverage_lost_total{source}} counts each. Confined to the agent's loop
 * (the metrics read atomically published totals).
 */
final class Coverage {
    /** A counter of losses: its name, and what a loss of it means for detection, in words. */
    record Source(String name, String what, String means, LongSupplier count, java.util.function.Supplier<List<String>> affected) {}

    private static final Duration EVERY = Duration.ofMinutes(1), DEGRADED = Duration.ofMinutes(10);

    private static final class State {
        long seen, pending, total;
        Instant since, lastAlert;
    }

    private final String host;
    private final List<Source> sources = new ArrayList<>();
    private final Map<String, State> states = new LinkedHashMap<>();
    private final Map<String, Long> totals = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Instant lastLoss;
    private Instant now = Instant.EPOCH;

    Coverage(String host) { this.host = host; }

    /** Watches a counter from its present value on (what was lost before vigil watched it is not this run's). */
    Coverage watch(String name, String what, String means, LongSupplier count) { return watch(name, what, means, count, List::of); }

    /** The same, affected naming the workloads that lost something since it was last asked (asked when an alert is due). */
    Coverage watch(String name, String what, String means, LongSupplier count, java.util.function.Supplier<List<String>> affected) {
        sources.add(new Source(name, what, means, count, affected));
        State s = new State();
        s.seen = count.getAsLong();
        states.put(name, s);
        totals.put(name, 0L);
        return this;
    }

    /** The coverage alerts due now: a source that grew since the last look, at most one alert a minute each (null now: every pending one, at the end). */
    List<Alert> check(Instant at) {
        boolean end = at == null;
        now = end ? Instant.now() : at;
        List<Alert> out = new ArrayList<>();
        for (Source src : sources) {
            State s = states.get(src.name());
            long v = src.count().getAsLong();
            if (v > s.seen) {
                if (s.pending == 0) s.since = now;
                s.pending += v - s.seen;
                s.total += v - s.seen;
                totals.put(src.name(), s.total);
                lastLoss = now;
            }
            s.seen = Math.max(s.seen, v);
            if (s.pending > 0 && (end || s.lastAlert == null || !now.isBefore(s.lastAlert.plus(EVERY)))) {
                out.add(alert(src, s));
                s.pending = 0;
                s.lastAlert = now;
            }
        }
        return out;
    }

    private Alert alert(Source src, State s) {
        String n = String.format("%,d", s.pending);
        List<String> who = src.affected().get();
        String named = who.isEmpty() ? "" : String.join(", ", who.subList(0, Math.min(10, who.size()))) + (who.size() > 10 ? " and " + (who.size() - 10) + " more" : "");
        var b = Alert.builder("coverage", "coverage").time(now).host(host).severity(Alert.Severity.HIGH)
                .summary("vigil's coverage is degraded: " + n + " " + src.what() + " since " + s.since + ": " + src.means()
                        + (named.isEmpty() ? "" : " (workloads affected: " + named + ")"))
                .evidence("source", src.name()).evidence("lost", s.pending).evidence("since", s.since.toString()).evidence("lost_total", s.total);
        if (!named.isEmpty()) b.evidence("workloads", named);
        return b.dedupKey("coverage|" + src.name() + "|" + s.since).build();
    }

    /** Is any loss less than ten minutes old? */
    boolean degraded() {
        Instant l = lastLoss;
        return l != null && Duration.between(l, Instant.now()).compareTo(DEGRADED) < 0;
    }

    void register(Metrics metrics) {
        metrics.gauge("vigil_coverage_degraded", "1 while vigil lost events, table room or alerts in the last 10 minutes (a coverage alert said what)",
                        () -> degraded() ? 1 : 0)
                .counter("vigil_coverage_lost", "What vigil did not see or could not keep, by source (each loss raised a coverage alert)", "source",
                        () -> new LinkedHashMap<>(totals));
    }
}
