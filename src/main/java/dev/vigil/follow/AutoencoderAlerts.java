package dev.vigil.follow;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import dev.vigil.detect.Score;
import dev.vigil.syscall.SyscallTable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The alert for a sample the autoencoder (evilsocket's model, `vigil run`) scores above its
 * threshold: evidence error, threshold and top [{syscall, error}], and the process's recent
 * high-risk calls. MEDIUM, HIGH at twice the threshold. Thread-safe.
 */
public final class AutoencoderAlerts {
    public static final String DETECTOR = "autoencoder";
    private final SyscallTable table;

    public AutoencoderAlerts(SyscallTable table) { this.table = table; }

    public Alert toAlert(Instant time, ProcessRef p, List<ProcessRef.Ancestor> ancestry, Score s, List<String> riskyCalls) {
        List<Map<String, Object>> top = s.top().stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("syscall", table.name(c.feature()));
            m.put("error", c.error());
            return m;
        }).toList();
        String names = String.join(", ", s.top().stream().map(c -> table.name(c.feature())).toList());
        return Alert.builder(DETECTOR, "anomaly").time(time)
                .severity(s.error() > 2 * s.threshold() ? Alert.Severity.HIGH : Alert.Severity.MEDIUM)
                .summary(String.format(Locale.ROOT, "%s (pid %d) changed its system-call rates beyond what was learnt: error %.4f above the threshold %.4f, most in %s",
                        p.comm(), p.pid(), s.error(), s.threshold(), names))
                .process(p).ancestry(ancestry).evidence("error", s.error()).evidence("threshold", s.threshold()).evidence("top", top)
                .evidence("recent_risky_calls", riskyCalls.isEmpty() ? null : riskyCalls)
                .dedupKey(DETECTOR + "|" + p.pid() + "|" + names).build();
    }
}
