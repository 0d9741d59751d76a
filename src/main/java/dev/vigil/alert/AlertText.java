package dev.vigil.alert;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An {@link Alert} as one line for people: time, severity, detector, the sentence, then
 * the process, its ancestry, the evidence, the profile and the suppressed repeats.
 * <pre>
 * 2026-11-24T06:40:01Z MEDIUM sequence: sh (pid 812) ... | pid=812 tid=812 ppid=800 uid=33 exe=/usr/bin/dash
 *   unit=webapp.service cmdline="sh -c id" | ancestry: python3(800) &lt; systemd(1) | evidence: syscall=geteuid ... | profile: ... (normal)
 * </pre>
 * Control characters and the like are escaped ({@link Escape}). Thread-safe.
 */
public final class AlertText {
    private AlertText() {}

    public static String line(Alert a) {
        StringBuilder sb = new StringBuilder();
        sb.append(a.time()).append(' ').append(a.severity().name()).append(' ').append(a.detector()).append(": ").append(a.summary());
        ProcessRef p = a.process();
        if (p != null) {
            sb.append(" | pid=").append(p.pid());
            if (p.tid() != p.pid() && p.tid() > 0) sb.append(" tid=").append(p.tid());
            if (p.ppid() >= 0) sb.append(" ppid=").append(p.ppid());
            if (p.uid() >= 0) sb.append(" uid=").append(p.uid());
            sb.append(" comm=").append(p.comm());
            if (!p.exe().isEmpty()) sb.append(" exe=").append(p.exe());
            if (!p.unit().isEmpty()) sb.append(" unit=").append(p.unit());
            if (p.container().known()) {
                ContainerRef c = p.container();
                sb.append(" container=").append(c.label());
                if (!c.image().isEmpty()) sb.append(" image=").append(c.image());
            }
            if (!p.cmdline().isEmpty()) sb.append(" cmdline=\"").append(String.join(" ", p.cmdline())).append('"');
        }
        if (!a.ancestry().isEmpty()) {
            sb.append(" | ancestry: ").append(a.ancestry().stream().map(x -> (x.exe().isEmpty() ? x.comm() : x.exe()) + "(" + x.pid() + ")")
                    .collect(Collectors.joining(" < ")));
        }
        if (!a.evidence().isEmpty()) {
            sb.append(" | evidence:");
            for (Map.Entry<String, Object> e : a.evidence().entrySet()) sb.append(' ').append(e.getKey()).append('=').append(value(e.getValue()));
        }
        if (a.profile() != null) sb.append(" | profile: ").append(a.profile().key()).append(" (").append(a.profile().state()).append(')');
        if (a.suppressed() > 0) sb.append(" | ").append(a.suppressed()).append(" repeats suppressed");
        return Escape.text(sb.toString()); // one line, whatever the attacker put in a command line or a path
    }

    private static String value(Object v) {
        return switch (v) {
            case Double d -> String.format(Locale.ROOT, "%.6g", d);
            case Float f -> String.format(Locale.ROOT, "%.6g", f);
            case List<?> l -> "[" + l.stream().map(AlertText::value).collect(Collectors.joining(" ")) + "]";
            case Map<?, ?> m -> m.entrySet().stream().map(e -> e.getKey() + ":" + value(e.getValue())).collect(Collectors.joining(",", "{", "}"));
            case String s -> s.contains(" ") ? "\"" + s + "\"" : s;
            default -> String.valueOf(v);
        };
    }
}
