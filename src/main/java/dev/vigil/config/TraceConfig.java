package dev.vigil.config;

import dev.vigil.event.ProbeSpec;
import dev.vigil.event.SensorSettings;
import dev.vigil.host.Cgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * probes:                  # custom probes (see {@link ProbesConfig}); their collector runs unless turned off
 *   - {name: opens, tracepoint: syscalls/sys_enter_openat}
 * </pre>
 * Every error names the file, the line and the key. Immutable.
 *
 * @param collectors settings by collector name, in file order
 * @param lines      the line where each collector is named (for later errors)
 * @param filters    the filters alone (default settings otherwise), for collectors the file does not name
 */
public record TraceConfig(Map<String, SensorSettings> collectors, Map<String, Integer> lines, String file, SensorSettings filters,
                          List<ProbeSpec> probes) {
    public static final List<String> COLLECTORS = List.of("exec", "unlink", "risky", "net", "resource", "syscalls", "workload", "probes");
    private static final Map<String, List<String>> KEYS = Map.of("probes", List.of("enabled"),
            "exec", List.of("enabled"), "workload", List.of("enabled"), "unlink", List.of("enabled"), "risky", List.of("enabled"),
            "net", List.of("enabled", "interface", "period"), "resource", List.of("enabled", "period", "top"),
            "syscalls", List.of("enabled", "pid", "period"));

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
        Yaml.Mapping top = Yaml.root(file, text, "collectors");
        for (var e : top.entries().keySet()) {
            if (!List.of("collectors", "filters", "probes").contains(e)) {
                throw new ConfigException(file, top.keyLines().get(e), e, "unknown key (collectors, filters, probes)");
            }
        }
        return of(file, top);
    }

    /** The collectors and filters of a parsed file (other keys are the caller's). */
    public static TraceConfig of(String file, Yaml.Mapping top) {
        Yaml.Node cs = top.entries().get("collectors");
        List<ProbeSpec> probes = ProbesConfig.parse(file, top.entries().get("probes"));
        if (cs == null && !probes.isEmpty()) {
            SensorSettings base = filters(file, top.entries().get("filters"));
            return new TraceConfig(Map.of("probes", base), Map.of("probes", top.keyLines().get("probes")), file, base, probes);
        }
        if (cs == null) throw new ConfigException(file, top.line(), "collectors", "missing: name at least one of " + String.join(", ", COLLECTORS));
        SensorSettings base = filters(file, top.entries().get("filters"));
        Map<String, SensorSettings> out = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        switch (cs) {
            case Yaml.Seq s -> {
                for (int i = 0; i < s.items().size(); i++) {
                    Yaml.Node n = s.items().get(i);
                    String key = "collectors[" + i + "]";
                    if (!(n instanceof Yaml.Scalar sc)) throw new ConfigException(file, n.line(), key, "expected a collector name");
                    known(file, sc.line(), key, sc.text());
                    if (out.put(sc.text(), base) != null) throw new ConfigException(file, sc.line(), key, sc.text() + " named twice");
                    lines.put(sc.text(), sc.line());
                }
            }
            case Yaml.Mapping m -> {
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
            case Yaml.Scalar sc -> {
                if (!sc.text().isEmpty()) throw new ConfigException(file, sc.line(), "collectors", "expected a mapping or a list of collector names");
            }
        }
        if (!probes.isEmpty() && !out.containsKey("probes") && !disabled(cs, "probes")) {
            out.put("probes", base);
            lines.put("probes", top.keyLines().get("probes"));
        }
        if (out.containsKey("probes") && probes.isEmpty()) {
            throw new ConfigException(file, lines.get("probes"), "collectors.probes", "no probes: list to run");
        }
        if (out.isEmpty()) throw new ConfigException(file, cs.line(), "collectors", "none selected; name at least one of " + String.join(", ", COLLECTORS));
        return new TraceConfig(out, lines, file, base, probes);
    }

    /** Does the collectors mapping turn a collector off (enabled: false)? */
    private static boolean disabled(Yaml.Node cs, String name) {
        return cs instanceof Yaml.Mapping m && m.entries().get(name) instanceof Yaml.Mapping c
                && c.entries().get("enabled") instanceof Yaml.Scalar sc && sc.text().equals("false");
    }

    private static void known(String file, int line, String key, String name) {
        if (!COLLECTORS.contains(name)) throw new ConfigException(file, line, key, "unknown collector '" + name + "' (" + String.join(", ", COLLECTORS) + ")");
    }

    /** One collector's settings, or null when enabled: false. */
    private static SensorSettings collector(String file, String key, String name, Yaml.Node n, SensorSettings base) {
        if (n instanceof Yaml.Scalar sc && sc.text().isEmpty()) return base;
        if (!(n instanceof Yaml.Mapping m)) throw new ConfigException(file, n.line(), key, "expected a mapping of settings (or {})");
        SensorSettings s = base;
        for (var e : m.entries().entrySet()) {
            String k = e.getKey(), full = key + "." + k;
            int line = m.keyLines().get(k);
            Yaml.Node v = e.getValue();
            if (!KEYS.get(name).contains(k)) throw new ConfigException(file, line, full, "unknown key (" + String.join(", ", KEYS.get(name)) + ")");
            String text = Yaml.scalar(file, full, v);
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
                case "period" -> s = s.withPeriod(Yaml.duration(file, line, full, text));
                case "top" -> s = s.withTop((int) Yaml.number(file, line, full, text, 1, 10_000, "a count from 1 to 10000"));
                case "pid" -> s = s.withPid(Yaml.number(file, line, full, text, 1, Integer.MAX_VALUE, "a process id"));
                default -> throw new IllegalStateException(k);
            }
        }
        if (name.equals("net") && s.iface() == null) throw new ConfigException(file, m.line(), key, "needs 'interface' (the network interface to count)");
        return s;
    }

    /** The filters section (null or empty: no filter). */
    public static SensorSettings filters(String file, Yaml.Node n) {
        return filters(file, n, "filters");
    }

    /** A filters mapping at key (the top's filters, a probe's). */
    static SensorSettings filters(String file, Yaml.Node n, String at) {
        SensorSettings s = SensorSettings.defaults();
        if (n == null || n instanceof Yaml.Scalar sc && sc.text().isEmpty()) return s;
        if (!(n instanceof Yaml.Mapping m)) throw new ConfigException(file, n.line(), at, "expected a mapping (pid, uid, comm, cgroup)");
        Set<Integer> pids = new HashSet<>(), uids = new HashSet<>();
        Set<String> comms = new HashSet<>();
        Set<Long> cgroups = new HashSet<>();
        for (var e : m.entries().entrySet()) {
            String k = e.getKey(), key = at + "." + k;
            int line = m.keyLines().get(k);
            List<Yaml.Node> items = e.getValue() instanceof Yaml.Seq q ? q.items() : List.of(e.getValue());
            for (int i = 0; i < items.size(); i++) {
                Yaml.Node item = items.get(i);
                String full = key + (e.getValue() instanceof Yaml.Seq ? "[" + i + "]" : "");
                String text = Yaml.scalar(file, full, item);
                int l = item.line() > 0 ? item.line() : line;
                switch (k) {
                    case "pid" -> pids.add((int) Yaml.number(file, l, full, text, 1, Integer.MAX_VALUE, "a process id"));
                    case "uid" -> uids.add((int) Yaml.number(file, l, full, text, 0, 4_294_967_294L, "a user id"));
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

    /** A cgroup v2 id: a number, or the inode of a cgroup folder. */
    private static long cgroup(String file, int line, String key, String text) {
        if (text.matches("\\d+")) return Yaml.number(file, line, key, text, 1, Long.MAX_VALUE, "a cgroup id");
        Path p = text.startsWith("/sys/fs/cgroup") ? Path.of(text) : Cgroups.folder(text);
        try {
            if (!Files.isDirectory(p)) throw new ConfigException(file, line, key, "no cgroup " + p);
            return (Long) Files.getAttribute(p, "unix:ino");
        } catch (IOException e) {
            throw new ConfigException(file, line, key, "cannot read cgroup " + p + ": " + e.getMessage());
        }
    }

}
