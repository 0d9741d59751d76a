package dev.vigil.workload;

import dev.vigil.profile.WorkloadKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who gets a warm-up after a start (what is new in it is learnt, not alerted): a workload
 * started more than {@value #MAX_STARTS} times in an hour gets none, so crashing a service
 * again and again does not open a window in which anything an attacker does becomes normal.
 * Bounded (the least recently started workloads are forgotten). Confined to the detector thread.
 */
final class Warmups {
    static final int MAX_STARTS = 4;
    private static final Duration HOUR = Duration.ofHours(1);
    private final Map<WorkloadKey, Deque<Instant>> starts = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<WorkloadKey, Deque<Instant>> e) { return size() > 10_000; }
    };

    /** A start of key at now: when its warm-up counts from (now), or the epoch when it has started too often to get one. */
    Instant start(WorkloadKey key, Instant now) {
        if (key == null) return now;
        Deque<Instant> d = starts.computeIfAbsent(key, k -> new ArrayDeque<>());
        while (!d.isEmpty() && d.peekFirst().isBefore(now.minus(HOUR))) d.removeFirst();
        d.addLast(now);
        return d.size() > MAX_STARTS ? Instant.EPOCH : now;
    }

    /**
     * What a novel item's alert becomes when it came within a warm-up: still told, at low
     * severity, saying so (the item is learnt, so it is told once), never silent: a crash
     * and a restart do not make what an attacker does in the next minute unseen.
     */
    static dev.vigil.alert.Alert reported(dev.vigil.alert.Alert a) {
        java.util.Map<String, Object> ev = new LinkedHashMap<>(a.evidence());
        ev.put("warmup", true);
        return new dev.vigil.alert.Alert(a.time(), a.host(), a.detector(), a.kind(), dev.vigil.alert.Alert.Severity.LOW,
                a.summary() + "; new during the warm-up after a restart (learnt; reported at low severity)", a.process(), a.ancestry(), ev, a.profile(),
                a.dedupKey(), a.suppressed());
    }
}
