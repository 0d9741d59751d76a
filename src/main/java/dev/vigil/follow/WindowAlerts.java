package dev.vigil.follow;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The alert for a window of calls a fitted sequence detector (`vigil monitor`: stide,
 * ngram-lm, ...) scores above its threshold: evidence score, threshold, the index of the
 * first explaining call in the process's stream, the explaining calls and the 8 before
 * them. MEDIUM, HIGH at twice the threshold (when the threshold is positive). Thread-safe.
 */
public final class WindowAlerts {
    private WindowAlerts() {}

    public static Alert toAlert(Instant time, String detector, ProcessRef p, List<ProcessRef.Ancestor> ancestry, double score, double threshold,
                                long index, List<String> calls, List<String> before) {
        boolean high = threshold > 0 && score > 2 * threshold;
        return Alert.builder(detector, "anomaly").time(time).severity(high ? Alert.Severity.HIGH : Alert.Severity.MEDIUM)
                .summary(String.format(Locale.ROOT, "%s (pid %d) made system calls unlike its recordings: %s at call %d (score %.4f above %.4f)",
                        p.comm(), p.pid(), String.join(" ", calls), index, score, threshold))
                .process(p).ancestry(ancestry).evidence("score", score).evidence("threshold", threshold).evidence("call_index", index)
                .evidence("calls", calls).evidence("before", before)
                .dedupKey(detector + "|" + p.exe() + "|" + String.join(",", calls)).build();
    }
}
