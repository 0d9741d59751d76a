package dev.vigil.alert;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * vigil's one alert, whatever raised it: when and where, which detector, how severe, one
 * sentence saying what happened, the process and its ancestry, the detector's evidence,
 * the profile it was judged against, the key repeats are deduplicated by, and how many
 * repeats were suppressed before this one. Rendered by {@link AlertJson} (JSON lines,
 * schema {@value #SCHEMA}, documented in docs/alerts.md) and {@link AlertText}.
 * Immutable; evidence keeps its insertion order.
 *
 * @param kind       what sort of event: anomaly, profile_state, notice (see docs/alerts.md)
 * @param evidence   detector-specific values: numbers, strings, lists and maps of them
 * @param profile    the profile the behaviour was judged against, or null
 * @param suppressed repeats of this dedup key suppressed since the last one emitted
 */
public record Alert(Instant time, String host, String detector, String kind, Severity severity, String summary,
                    ProcessRef process, List<ProcessRef.Ancestor> ancestry, Map<String, Object> evidence,
                    ProfileRef profile, String dedupKey, long suppressed) {
    public static final String SCHEMA = "vigil.alert/1";

    public enum Severity {
        INFO, LOW, MEDIUM, HIGH, CRITICAL;

        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

        public static Severity parse(String s) { return valueOf(s.toUpperCase(java.util.Locale.ROOT)); }
    }

    /** The profile an alert was judged against: its key and its learning state then. */
    public record ProfileRef(String key, String state) {
        public ProfileRef {
            Objects.requireNonNull(key);
            Objects.requireNonNull(state);
        }
    }

    public Alert {
        Objects.requireNonNull(time);
        Objects.requireNonNull(host);
        Objects.requireNonNull(detector);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(severity);
        Objects.requireNonNull(summary);
        Objects.requireNonNull(dedupKey);
        ancestry = List.copyOf(ancestry);
        evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
        if (suppressed < 0) throw new IllegalArgumentException("suppressed < 0");
    }

    /** The same alert carrying a count of suppressed repeats. */
    public Alert withSuppressed(long n) {
        return new Alert(time, host, detector, kind, severity, summary, process, ancestry, evidence, profile, dedupKey, n);
    }

    /** A builder, because most alerts are made field by field by a detector's adapter. */
    public static Builder builder(String detector, String kind) { return new Builder(detector, kind); }

    public static final class Builder {
        private Instant time = Instant.now();
        private String host = Host.name();
        private final String detector, kind;
        private Severity severity = Severity.MEDIUM;
        private String summary = "";
        private ProcessRef process;
        private List<ProcessRef.Ancestor> ancestry = List.of();
        private final Map<String, Object> evidence = new LinkedHashMap<>();
        private ProfileRef profile;
        private String dedupKey;

        private Builder(String detector, String kind) {
            this.detector = detector;
            this.kind = kind;
        }

        public Builder time(Instant t) { time = t; return this; }
        public Builder host(String h) { host = h; return this; }
        public Builder severity(Severity s) { severity = s; return this; }
        public Builder summary(String s) { summary = s; return this; }
        public Builder process(ProcessRef p) { process = p; return this; }
        public Builder ancestry(List<ProcessRef.Ancestor> a) { ancestry = a; return this; }
        public Builder evidence(String k, Object v) { if (v != null) evidence.put(k, v); return this; }
        public Builder profile(String key, String state) { profile = new ProfileRef(key, state); return this; }
        public Builder dedupKey(String k) { dedupKey = k; return this; }

        public Alert build() {
            String key = dedupKey != null ? dedupKey : detector + "|" + kind + "|" + (profile != null ? profile.key() : process != null ? process.exe() : "") + "|" + summary;
            return new Alert(time, host, detector, kind, severity, summary, process, ancestry, evidence, profile, key, 0);
        }
    }
}
