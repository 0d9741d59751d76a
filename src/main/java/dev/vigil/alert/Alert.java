package dev.vigil.alert;

import dev.vigil.detect.Score;
import java.time.Instant;
import java.util.List;

/**
 * One detection: when, which process, its score with the explanation, and the process's
 * context when known (its command line, its recent high-risk calls). Immutable.
 */
public record Alert(Instant time, long pid, String comm, Score score, List<String> cmdline, List<String> riskyCalls) {
    public Alert {
        cmdline = List.copyOf(cmdline);
        riskyCalls = List.copyOf(riskyCalls);
    }

    /** An alert without process context. */
    public Alert(Instant time, long pid, String comm, Score score) {
        this(time, pid, comm, score, List.of(), List.of());
    }
}
