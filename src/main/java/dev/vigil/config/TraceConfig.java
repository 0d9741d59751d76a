package dev.vigil.config;

import dev.vigil.host.CgroupFs;
import dev.vigil.sensor.SensorSettings;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * vigil.yaml: which collectors `vigil trace` runs, their settings, and the process filters.
 * <pre>
 * collectors:              # a mapping (settings per collector) or a list of names
 *   exec: {}
 *   net: {interface: eth0, period: 5s}
 *   resource: {period: 2s, top: 10}
 *   syscalls: {pid: 1234, period: 1s}
 * filters:                 # all optional; a process must match every one given
 *   pid: [1234]
 *   uid: [0, 33]
 *   comm: [nginx, sh]
 *   cgroup: [/sys/fs/cgroup/system.slice/nginx.service, 4242]   # path or id
 * </pre>
 * Every error names the file, the line and the key. Immutable.
 *
 * @param collectors settings by collector name, in file order
 * @param lines      the line where each collector is named (for later errors)
 * @param filters    the filters alone (default settings otherwise), for collectors the file does not name
 */
public record TraceConfig(Map<String, SensorSettings> collectors, Map<String, Integer> lines, String file, SensorSettings filters) {
    public static final List<String> COLLECTORS = List.of("exec", "unlink", "risky", "net", "resource", "syscalls", "workload");
    private static final Map<String, List<String>> KEYS = Map.of(
            "exec", List.of("enabled"), "workload", List.of("enabled"), "unlink", List.of("enabled"), "risky", List.of("enabled"),
            "net", List.of("enabled", "interface", "period"), "resource", List.of("enabled", "period", "top"),
            "syscalls", List.of("enabled", "pid", "period"));
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    /** A bad configuration: file, line, key and what is wrong, as one line. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String file, int line, String key, String message) {
            super(file + (line > 0 ? ":" + line : "") + ": " + (key.isEmpty() ? "" : key + ": ") + message);
        }
    }

    /** A parsed YAML node with the line it starts on. */
    public sealed interface Node permits Scalar, Seq, Mapping {
        int line();
    }

    public record Scalar(String text, int line) implements Node {}

    public record Seq(List<Node> items, int line) implements Node {}

    public record Mapping(Map<String, Node> entries, Map<String, Integer> keyLines, int line) implements Node {}

    public static TraceConfig load(Path path) {
        String name = path.toString();
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, 0, "", "no such file");
        } catch (IOException e) {
            throw new ConfigException(name, 0, "", "cannot read: " + e.getMessage());
        }
        return parse(name, text);
    }

    public static TraceConfig parse(String file, String text) {
        Mapping top = root(file, text, "collectors");
        for (var e : top.entries().keySet()) {
            if (!List.of("collectors", "filters").contains(e)) {
                throw new ConfigException(file, top.keyLines().get(e), e, "unknown key (collectors, filters)");
            }
        }
        return of(file, top);
    }

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

    /** The collectors and filters of a parsed file (other keys are the caller's). */
    public static TraceConfig of(String file, Mapping top) {
        Node cs = top.entries().get("collectors");
        if (cs == null) throw new ConfigException(file, top.line(), "collectors", "missing: name at least one of " + String.join(", ", COLLECTORS));
        SensorSettings base = filters(file, top.entries().get("filters"));
        Map<String, SensorSettings> out = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        switch (cs) {
            case Seq s -> {
                for (int i = 0; i < s.items().size(); i++) {
                    Node n = s.items().get(i);
                    String key = "collectors[" + i + "]";
                    if (!(n instanceof Scalar sc)) throw new ConfigException(file, n.line(), key, "expected a collector name");
                    known(file, sc.line(), key, sc.text());
                    if (out.put(sc.text(), base) != null) throw new ConfigException(file, sc.line(), key, sc.text() + " named twice");
                    lines.put(sc.text(), sc.line());
                }
            }
            case Mapping m -> {
                for (var e : m.entries().entrySet()) {
                    String c = e.getKey(), key = "collectors." + c;
                    int line = m.keyLines().get(c);
                    known(file, line, key, c);
                    SensorSettings s = collector(file, key, c, e.getValue(), base);
                    if (s != null) {
                        out.put(c, s);
                        lines.put(c, line);
                    }
                }
            }
            case Scalar sc -> {
                if (!sc.text().isEmpty()) throw new ConfigException(file, sc.line(), "collectors", "expected a mapping or a list of collector names");
            }
        }
        if (out.isEmpty()) throw new ConfigException(file, cs.line(), "collectors", "none selected; name at least one of " + String.join(", ", COLLECTORS));
        return new TraceConfig(out, lines, file, base);
    }

    private static void known(String file, int line, String key, String name) {
        if (!COLLECTORS.contains(name)) throw new ConfigException(file, line, key, "unknown collector '" + name + "' (" + String.join(", ", COLLECTORS) + ")");
    }

    /** One collector's settings, or null when enabled: false. */
    private static SensorSettings collector(String file, String key, String name, Node n, SensorSettings base) {
        if (n instanceof Scalar sc && sc.text().isEmpty()) return base;
        if (!(n instanceof Mapping m)) throw new ConfigException(file, n.line(), key, "expected a mapping of settings (or {})");
        SensorSettings s = base;
        for (var e : m.entries().entrySet()) {
            String k = e.getKey(), full = key + "." + k;
            int line = m.keyLines().get(k);
            Node v = e.getValue();
            if (!KEYS.get(name).contains(k)) throw new ConfigException(file, line, full, "unknown key (" + String.join(", ", KEYS.get(name)) + ")");
            String text = scalar(file, full, v);
            switch (k) {
                case "enabled" -> {
                    if (!text.equals("true") && !text.equals("false")) throw new ConfigException(file, line, full, "expected true or false, got '" + text + "'");
                    if (text.equals("false")) return null;
                }
                case "interface" -> {
                    if (text.isBlank() || text.length() > 15 || text.contains("/") || text.contains(" ")) {
                        throw new ConfigException(file, line, full, "'" + text + "' is not an interface name");
                    }
                    s = s.withIface(text);
                }
                case "period" -> s = s.withPeriod(duration(file, line, full, text));
                case "top" -> s = s.withTop((int) number(file, line, full, text, 1, 10_000, "a count from 1 to 10000"));
                case "pid" -> s = s.withPid(number(file, line, full, text, 1, Integer.MAX_VALUE, "a process id"));
                default -> throw new IllegalStateException(k);
            }
        }
        if (name.equals("net") && s.iface() == null) throw new ConfigException(file, m.line(), key, "needs 'interface' (the network interface to count)");
        return s;
    }

    /** The filters section (null or empty: no filter). */
    public static SensorSettings filters(String file, Node n) {
        SensorSettings s = SensorSettings.defaults();
        if (n == null || n instanceof Scalar sc && sc.text().isEmpty()) return s;
        if (!(n instanceof Mapping m)) throw new ConfigException(file, n.line(), "filters", "expected a mapping (pid, uid, comm, cgroup)");
        Set<Integer> pids = new HashSet<>(), uids = new HashSet<>();
        Set<String> comms = new HashSet<>();
        Set<Long> cgroups = new HashSet<>();
        for (var e : m.entries().entrySet()) {
            String k = e.getKey(), key = "filters." + k;
            int line = m.keyLines().get(k);
            List<Node> items = e.getValue() instanceof Seq q ? q.items() : List.of(e.getValue());
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String full = key + (e.getValue() instanceof Seq ? "[" + i + "]" : "");
                String text = scalar(file, full, item);
                int l = item.line() > 0 ? item.line() : line;
                switch (k) {
                    case "pid" -> pids.add((int) number(file, l, full, text, 1, Integer.MAX_VALUE, "a process id"));
                    case "uid" -> uids.add((int) number(file, l, full, text, 0, 4_294_967_294L, "a user id"));
                    case "comm" -> {
                        if (text.isEmpty() || text.length() > 15) throw new ConfigException(file, l, full, "'" + text + "' is not a command name (1 to 15 characters)");
                        comms.add(text);
                    }
                    case "cgroup" -> cgroups.add(cgroup(file, l, full, text));
                    default -> throw new ConfigException(file, line, key, "unknown filter (pid, uid, comm, cgroup)");
                }
            }
        }
        return new SensorSettings(pids, uids, comms, cgroups, null, s.period(), s.top(), null);
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

    /** A cgroup v2 id: a number, or the inode of a cgroup folder. */
    private static long cgroup(String file, int line, String key, String text) {
        if (text.matches("\\d+")) return number(file, line, key, text, 1, Long.MAX_VALUE, "a cgroup id");
        Path p = text.startsWith("/sys/fs/cgroup") ? Path.of(text) : CgroupFs.folder(text);
        try {
            if (!Files.isDirectory(p)) throw new ConfigException(file, line, key, "no cgroup " + p);
            return (Long) Files.getAttribute(p, "unix:ino");
        } catch (IOException e) {
            throw new ConfigException(file, line, key, "cannot read cgroup " + p + ": " + e.getMessage());
        }
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
