package dev.vigil.alert;

import dev.vigil.trace.SyscallTable;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Where alerts go. Implementations are confined to one thread unless they say otherwise. */
public sealed interface AlertSink permits AlertSink.Text, AlertSink.JsonLines {
    void emit(Alert alert);

    /**
     * evilsocket's console format: {@code error = E - max = T - top 3:} and one line per
     * syscall; then one line per high-risk call the process made before it, if any.
     */
    record Text(PrintStream out, SyscallTable table) implements AlertSink {
        @Override
        public void emit(Alert a) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "error = %f - max = %f - top %d:%n", a.score().error(), a.score().threshold(), a.score().top().size()));
            for (var c : a.score().top()) {
                sb.append(String.format(Locale.ROOT, "  %s = %f%n", table.name(c.feature()), c.error()));
            }
            for (String r : a.riskyCalls()) sb.append("  risky call before it: ").append(r).append(System.lineSeparator());
            out.print(sb);
            out.flush();
        }
    }

    /** One JSON object per line: time (ISO-8601), pid, comm, error, threshold, top [{syscall, error}], cmdline, recent_risky_calls. */
    record JsonLines(PrintStream out, SyscallTable table) implements AlertSink {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

        @Override
        public void emit(Alert a) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", a.time().toString());
            m.put("pid", a.pid());
            m.put("comm", a.comm());
            m.put("error", a.score().error());
            m.put("threshold", a.score().threshold());
            m.put("top", a.score().top().stream()
                    .map(c -> Map.<String, Object>of("syscall", table.name(c.feature()), "error", c.error())).toList());
            if (!a.cmdline().isEmpty()) m.put("cmdline", a.cmdline());
            if (!a.riskyCalls().isEmpty()) m.put("recent_risky_calls", a.riskyCalls());
            try {
                out.println(JSON.writeValueAsString(m));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            out.flush();
        }
    }
}
