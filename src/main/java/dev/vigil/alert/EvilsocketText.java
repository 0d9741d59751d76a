package dev.vigil.alert;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * evilsocket's console format for an autoencoder alert: {@code error = E - max = T - top 3:}
 * and one line per syscall; then one line per high-risk call the process made before it.
 * Reads the alert's evidence (error, threshold, top, recent_risky_calls). Thread-safe.
 */
public final class EvilsocketText {
    private EvilsocketText() {}

    public static String render(Alert a) {
        Map<String, Object> ev = a.evidence();
        List<?> top = ev.get("top") instanceof List<?> l ? l : List.of();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "error = %f - max = %f - top %d:", number(ev.get("error")), number(ev.get("threshold")), top.size()));
        for (Object o : top) {
            if (o instanceof Map<?, ?> m) sb.append(String.format(Locale.ROOT, "%n  %s = %f", Escape.text(String.valueOf(m.get("syscall"))), number(m.get("error"))));
        }
        if (ev.get("recent_risky_calls") instanceof List<?> risky) {
            for (Object r : risky) sb.append(System.lineSeparator()).append("  risky call before it: ").append(Escape.text(String.valueOf(r)));
        }
        return sb.toString();
    }

    private static double number(Object o) { return o instanceof Number n ? n.doubleValue() : Double.NaN; }
}
