package dev.vigil.alert;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Where alerts go: stdout, a JSON-lines file, syslog, a webhook. {@link #send} never
 * throws for a failure of the destination: it counts it (sent, failed, dropped), so one
 * broken output never silences the others. Each output is safe to use from several
 * threads. Close releases its file, socket or thread.
 */
public interface AlertOutput extends AutoCloseable {
    /** stdout, file, syslog, webhook (as in the config). */
    String name();

    void send(Alert alert);

    /** Reopens files (SIGHUP, after logrotate moved them); a no-op for the others. Returns what was done, or "". */
    default String reopen() { return ""; }

    /** What the output had to repair when it opened (a spool position a power cut garbled), in words, or "". */
    default String repairedAtStart() { return ""; }

    /** Counters: sent, failed (a write or request that failed), dropped (never delivered). */
    Map<String, Long> counts();

    @Override
    void close();

    /** How an alert becomes text. */
    enum Format {
        TEXT(AlertText::line), JSON(AlertJson::line);

        private final Function<Alert, String> render;

        Format(Function<Alert, String> render) { this.render = render; }

        public String render(Alert a) { return render.apply(a); }

        public static Format parse(String s) { return valueOf(s.toUpperCase(java.util.Locale.ROOT)); }
    }

    /** The usual three counters. */
    final class Counts {
        final AtomicLong sent = new AtomicLong(), failed = new AtomicLong(), dropped = new AtomicLong();

        Map<String, Long> map() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("sent", sent.get());
            m.put("failed", failed.get());
            m.put("dropped", dropped.get());
            return m;
        }
    }
}
