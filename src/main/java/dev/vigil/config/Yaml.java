package dev.vigil.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The YAML reader of vigil's configs: a file parsed into nodes that keep their line, and the
 * scalar readers whose errors name the file, the line and the key
 * ({@link ConfigException}: {@code vigil.yaml:5: outputs.file.keep: 'many' is not a whole number}).
 * Static; thread-safe.
 */
public final class Yaml {
    private Yaml() {}

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    /** A parsed YAML node with the line it starts on. */
    public sealed interface Node permits Scalar, Seq, Mapping {
        int line();
    }

    public record Scalar(String text, int line) implements Node {}

    public record Seq(List<Node> items, int line) implements Node {}

    public record Mapping(Map<String, Node> entries, Map<String, Integer> keyLines, int line) implements Node {}

    /** The top mapping of a YAML file, each node with its line; what names the key a file must have, for the errors. */
    public static Mapping root(String file, String text, String what) {
        Node root;
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new ConfigException(file, 1, "", "empty; expected a mapping with '" + what + "'");
            root = node(file, p);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new ConfigException(file, l == null ? 0 : l.getLineNr(), "", "malformed YAML: " + String.join("; ",
                    e.getOriginalMessage().lines().filter(x -> !x.isBlank() && !Character.isWhitespace(x.charAt(0))).toList()));
        } catch (IOException e) {
            throw new ConfigException(file, 0, "", e.getMessage());
        }
        if (!(root instanceof Mapping top)) throw new ConfigException(file, root.line(), "", "expected a mapping with '" + what + "'");
        return top;
    }

    public static String scalar(String file, String key, Node n) {
        if (!(n instanceof Scalar sc)) throw new ConfigException(file, n.line(), key, "expected a single value");
        return sc.text();
    }

    public static long number(String file, int line, String key, String text, long min, long max, String what) {
        try {
            long v = Long.parseLong(text);
            if (v < min || v > max) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(file, line, key, "'" + text + "' is not " + what);
        }
    }

    /** 500ms, 2s, 1.5s, 1m, 1h, or a number of seconds. */
    public static Duration duration(String file, int line, String key, String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) throw new ConfigException(file, line, key, "'" + text + "' is not a duration (e.g. 500ms, 2s, 1m)");
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        long ms = Math.round(v * switch (unit) { case "ms" -> 1; case "m" -> 60_000; case "h" -> 3_600_000; default -> 1000; });
        if (ms < 10 || ms > 86_400_000) throw new ConfigException(file, line, key, "'" + text + "' is out of range (10ms to 24h)");
        return Duration.ofMillis(ms);
    }

    private static Node node(String file, JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Node> entries = new LinkedHashMap<>();
            Map<String, Integer> keyLines = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                int kl = p.currentTokenLocation().getLineNr();
                if (entries.containsKey(k)) throw new ConfigException(file, kl, k, "duplicate key");
                p.nextToken();
                entries.put(k, node(file, p));
                keyLines.put(k, kl);
            }
            return new Mapping(entries, keyLines, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Node> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) items.add(node(file, p));
            return new Seq(items, line);
        }
        return new Scalar(t == JsonToken.VALUE_NULL ? "" : p.getText(), line);
    }
}
