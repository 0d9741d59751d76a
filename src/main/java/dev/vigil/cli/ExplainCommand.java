package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.host.CallSite;
import dev.vigil.host.StackFrame;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain an alert already written down to the program's code: its stack, frame by frame",
                "(the file, offset, build id and function of each, and whether the file on disk is still",
                "the one that ran), and the static check of its call site: does the program's own code",
                "make that call there.",
                "  vigil explain alert.json                                  one alert (a JSON object)",
                "  vigil explain /var/log/vigil/alerts.json --dedup-key K    one alert of an alert file"})
final class ExplainCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "ALERTS", description = "A file with one alert (JSON), or JSON lines with --dedup-key ('-': stdin).")
    String file;

    @Option(names = "--dedup-key", paramLabel = "K", description = "The alert of the file with this dedup key (the last one when it repeats).")
    String dedupKey;

    @Override
    public Integer call() throws Exception {
        JsonNode alert = pick(read());
        PrintStream out = System.out;
        out.println(alert.path("severity").asText().toUpperCase(java.util.Locale.ROOT) + " " + alert.path("detector").asText() + ": " + alert.path("summary").asText());
        JsonNode st = alert.path("evidence").path("stack");
        if (!st.isArray() || st.isEmpty()) {
            throw new UserError(ExitCodes.BAD_INPUT, "the alert has no stack (evidence.stack): only item alerts of workload profiles carry one");
        }
        List<StackFrame> frames = new ArrayList<>();
        out.println("stack, innermost first (the call was made in #0):");
        for (int i = 0; i < st.size(); i++) {
            JsonNode f = st.get(i);
            StackFrame fr = frame(f);
            frames.add(fr);
            out.printf("  #%-2d %s%n", i, describe(fr));
        }
        var check = CallSite.check(frames);
        out.println(check.map(c -> (c.consistent() ? "call site: " : "call site: NOT CONSISTENT: ") + c.words())
                .orElse("call site: no frame of the program to check (only the C library's)"));
        return check.isPresent() && !check.get().consistent() ? ExitCodes.CHECK_FAILED : ExitCodes.OK;
    }

    /** A frame in words: where it is, and whether the file on disk is still the one the alert saw (its build id). */
    private static String describe(StackFrame f) {
        StringBuilder s = new StringBuilder(String.format("0x%x  %s", f.address(), f.text()));
        if (!f.binary().isEmpty() && !f.binary().startsWith("[")) {
            s.append(String.format("  %s offset 0x%x", f.binary(), f.offset()));
            if (!f.buildId().isEmpty()) {
                s.append(" build id ").append(f.buildId());
                try {
                    String now = dev.vigil.host.Elf.read(Path.of(f.binary())).buildId();
                    if (!now.equals(f.buildId())) s.append(" (the file on disk is another build now: ").append(now.isEmpty() ? "none" : now).append(')');
                } catch (IOException e) {
                    s.append(" (").append(e.getMessage()).append(')');
                }
            }
        }
        return s.toString();
    }

    private static StackFrame frame(JsonNode f) {
        String sym = f.path("symbol").asText("");
        long symOff = 0;
        int plus = sym.lastIndexOf("+0x");
        if (plus > 0) {
            symOff = Long.parseUnsignedLong(sym.substring(plus + 3), 16);
            sym = sym.substring(0, plus);
        }
        return new StackFrame(hex(f.path("address").asText("0x0")), f.path("binary").asText(""), hex(f.path("offset").asText("0x0")),
                f.path("build_id").asText(""), sym, symOff, f.path("region").asText(""), f.path("file").asText(""), f.path("line").asInt());
    }

    private static long hex(String s) {
        try {
            return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
        } catch (NumberFormatException e) {
            throw new UserError(ExitCodes.BAD_INPUT, "not an address in the alert's stack: '" + s + "'");
        }
    }

    private List<JsonNode> read() {
        String text;
        try {
            text = file.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) : Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UserError(ExitCodes.BAD_INPUT, "no such file " + file);
        } catch (IOException e) {
            throw new UserError(ExitCodes.BAD_INPUT, "cannot read " + file + ": " + e.getMessage());
        }
        List<JsonNode> alerts = new ArrayList<>();
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(text)) { // one alert, on one line or pretty-printed
            JsonNode whole = JSON.readTree(p);
            if (whole != null && whole.isObject() && p.nextToken() == null) {
                alerts.add(whole);
                return alerts;
            }
        } catch (IOException e) {
            // JSON lines
        }
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isBlank()) continue;
            try {
                alerts.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new UserError(ExitCodes.BAD_INPUT, file + ":" + n + ": not a JSON alert");
            }
        }
        return alerts;
    }

    private JsonNode pick(List<JsonNode> alerts) {
        if (alerts.isEmpty()) throw new UserError(ExitCodes.BAD_INPUT, file + ": no alert in it");
        if (dedupKey == null) {
            if (alerts.size() > 1) throw new UserError(ExitCodes.USAGE, file + " has " + alerts.size() + " alerts: name one with --dedup-key");
            return alerts.getFirst();
        }
        for (int i = alerts.size() - 1; i >= 0; i--) if (dedupKey.equals(alerts.get(i).path("dedup_key").asText())) return alerts.get(i);
        throw new UserError(ExitCodes.BAD_INPUT, "no alert with dedup key " + dedupKey + " in " + file);
    }
}
