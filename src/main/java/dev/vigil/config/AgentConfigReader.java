package dev.vigil.config;

import dev.vigil.alert.AlertOutput.Format;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.config.AgentConfig.*;
import dev.vigil.config.Yaml.Mapping;
import dev.vigil.config.Yaml.Node;
import dev.vigil.config.Yaml.Scalar;
import dev.vigil.event.SensorSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads vigil.yaml into an {@link AgentConfig}: every key checked, every error with file:line and the key. Static. */
final class AgentConfigReader {
    private AgentConfigReader() {}

    static AgentConfig parse(String file, String text) {
        Mapping top = Yaml.root(file, text, "outputs");
        for (var k : top.entries().keySet()) {
            if (!AgentConfig.TOP.contains(k)) throw new ConfigException(file, top.keyLines().get(k), k, "unknown key (" + String.join(", ", AgentConfig.TOP) + ")");
        }
        AgentConfig d = AgentConfig.defaults();
        Reader r = new Reader(file);
        String host = top.entries().containsKey("host") ? r.text(top, "host", "host", false) : d.host();
        if (host.isBlank() || host.length() > 255 || host.contains(" ")) throw new ConfigException(file, top.keyLines().get("host"), "host", "'" + host + "' is not a host name");
        Path state = top.entries().containsKey("state_dir") ? Path.of(r.text(top, "state_dir", "state_dir", false)) : d.stateDir();
        if (!state.isAbsolute()) throw new ConfigException(file, top.keyLines().get("state_dir"), "state_dir", "must be an absolute path");
        Sequence seq = detectors(r, top.entries().get("detectors"));
        Profiles profiles = profiles(r, top.entries().get("detectors"));
        List<String> warnings = new ArrayList<>();
        List<String> context = d.contextCollectors();
        SensorSettings filters = TraceConfig.filters(file, top.entries().get("filters"));
        if (top.entries().containsKey("collectors")) {
            Map<String, Node> only = new LinkedHashMap<>();
            Map<String, Integer> lines = new LinkedHashMap<>();
            for (String k : List.of("collectors", "filters")) {
                if (top.entries().containsKey(k)) {
                    only.put(k, top.entries().get(k));
                    lines.put(k, top.keyLines().get(k));
                }
            }
            TraceConfig tc = TraceConfig.of(file, new Mapping(only, lines, top.line()));
            final List<String> ctx = tc.collectors().keySet().stream().filter(c -> c.equals("exec") || c.equals("risky")).toList();
            context = ctx;
            List<String> ignored = tc.collectors().keySet().stream().filter(c -> !ctx.contains(c)).toList();
            if (!ignored.isEmpty()) {
                warnings.add(file + ": collectors " + String.join(", ", ignored) + " are for vigil trace; the agent runs "
                        + (ctx.isEmpty() ? "none" : String.join(" and ", ctx)) + " for alert context and ignores them");
            }
        }
        AlertPipeline.Limits limits = alerts(r, top.entries().get("alerts"), d.limits());
        List<Output> outputs = top.entries().containsKey("outputs") ? outputs(r, top.entries().get("outputs"), state) : d.outputs();
        String metrics = null;
        if (top.entries().containsKey("metrics")) {
            String m = r.text(top, "metrics", "metrics", true);
            if (!m.isEmpty() && !m.equals("off")) {
                if (!m.matches("(?:[^\\s:]+:|\\[[0-9a-fA-F:]+]:)?\\d{1,5}") || Integer.parseInt(m.substring(m.lastIndexOf(':') + 1)) > 65535) {
                    throw new ConfigException(file, top.keyLines().get("metrics"), "metrics", "'" + m + "' is not [HOST:]PORT");
                }
                metrics = m;
            }
        }
        if (seq != null && !seq.enabled() && sequenceSettingsWithoutEnabled(top.entries().get("detectors"))) {
            warnings.add(file + ": detectors.sequence is off by default; its settings are unused until it says enabled: true");
        }
        if ((seq == null || !seq.enabled()) && !profiles.enabled()) {
            warnings.add(file + ": no detector is enabled: the agent will raise no alerts");
        }
        if (profiles.enabled() && !context.contains("exec")) {
            warnings.add(file + ": detectors.profiles needs the exec collector; the agent runs it");
            context = new ArrayList<>(context);
            context.add(0, "exec");
        }
        List<dev.vigil.event.ProbeSpec> probes = ProbesConfig.parse(file, top.entries().get("probes"));
        if (!probes.isEmpty() && !profiles.enabled()) {
            warnings.add(file + ": probes are a dimension of the workload profiles, which are off: they are not attached");
        }
        return new AgentConfig(file, host, state, seq, profiles, context, filters, limits, outputs, metrics, warnings, probes);
    }

    private static boolean sequenceSettingsWithoutEnabled(Node n) {
        return n instanceof Mapping m && m.entries().get("sequence") instanceof Mapping sm && !sm.entries().isEmpty()
                && !sm.entries().containsKey("enabled");
    }

    private static Sequence detectors(Reader r, Node n) {
        Sequence d = Sequence.defaults();
        if (n == null || n instanceof Scalar s && s.text().isEmpty()) return d;
        Mapping m = r.mapping(n, "detectors");
        Sequence seq = d;
        for (var e : m.entries().entrySet()) {
            if (!e.getKey().equals("sequence") && !e.getKey().equals("profiles")) {
                throw new ConfigException(r.file, m.keyLines().get(e.getKey()), "detectors." + e.getKey(), "unknown detector (sequence, profiles)");
            }
        }
        if (!m.entries().containsKey("sequence")) return d;
        Node sn = m.entries().get("sequence");
        if (sn instanceof Scalar s && s.text().isEmpty()) return d;
        Mapping sm = r.mapping(sn, "detectors.sequence");
        r.known(sm, "detectors.sequence", "enabled", "exe", "window", "min_calls", "stable_calls", "tolerize_limit", "max_profiles",
                "max_pair_entries", "save_every", "pin_dir", "burst", "alert_frame");
        String k = "detectors.sequence.";
        boolean enabled = sm.entries().containsKey("enabled") ? r.bool(sm, "enabled", k + "enabled") : d.enabled();
        List<Path> exe = new ArrayList<>();
        for (String x : r.list(sm, "exe", k + "exe")) exe.add(Path.of(x));
        seq = new Sequence(enabled, exe,
                (int) r.number(sm, "window", k + "window", d.window(), 2, 9),
                r.number(sm, "min_calls", k + "min_calls", d.minCalls(), 1, Long.MAX_VALUE),
                r.number(sm, "stable_calls", k + "stable_calls", d.stableCalls(), 1, Long.MAX_VALUE),
                (int) r.number(sm, "tolerize_limit", k + "tolerize_limit", d.tolerizeLimit(), 1, 128),
                (int) r.number(sm, "max_profiles", k + "max_profiles", d.maxProfiles(), 1, 1 << 20),
                (int) r.number(sm, "max_pair_entries", k + "max_pair_entries", d.maxPairEntries(), 1, 1 << 24),
                sm.entries().containsKey("save_every") ? r.duration(sm, "save_every", k + "save_every", false) : d.saveEvery(),
                sm.entries().containsKey("pin_dir") ? r.text(sm, "pin_dir", k + "pin_dir", false) : d.pinDir(),
                sm.entries().containsKey("burst") ? r.duration(sm, "burst", k + "burst", true) : d.burst(),
                (int) r.number(sm, "alert_frame", k + "alert_frame", d.alertFrame(), 1, 128));
        return seq;
    }

    private static Profiles profiles(Reader r, Node n) {
        Profiles d = Profiles.defaults();
        if (n == null || !(n instanceof Mapping m) || !m.entries().containsKey("profiles")) return d;
        Node pn = m.entries().get("profiles");
        if (pn instanceof Scalar s && s.text().isEmpty()) return d;
        Mapping pm = r.mapping(pn, "detectors.profiles");
        String k = "detectors.profiles.";
        r.known(pm, "detectors.profiles", "enabled", "learning", "max_profiles", "warmup", "ignore", "domains", "syscalls");
        List<String> ignore = pm.entries().containsKey("ignore") ? r.list(pm, "ignore", k + "ignore") : d.ignore();
        for (String x : ignore) {
            if (!x.startsWith("/")) throw new ConfigException(r.file, r.line(pm, "ignore"), k + "ignore", "'" + x + "' is not a cgroup path (it starts with /)");
        }
        boolean enabled = !pm.entries().containsKey("enabled") || r.bool(pm, "enabled", k + "enabled");
        dev.vigil.profile.Dimension.Learning l = d.learning();
        Node ln = pm.entries().get("learning");
        if (ln instanceof Scalar s && !s.text().isEmpty()) {
            l = switch (s.text()) {
                case "production" -> dev.vigil.profile.Dimension.Learning.production();
                case "fast" -> dev.vigil.profile.Dimension.Learning.fast();
                default -> throw new ConfigException(r.file, s.line(), k + "learning", "'" + s.text() + "' is not production, fast or a mapping");
            };
        } else if (ln instanceof Mapping lm) {
            String lk = k + "learning";
            r.known(lm, lk, "min", "stable_after", "stable_calls", "deadline", "max_items");
            var p = dev.vigil.profile.Dimension.Learning.production();
            java.time.Duration min = lm.entries().containsKey("min") ? r.longDuration(lm, "min", lk + ".min") : p.minLearning();
            java.time.Duration after = lm.entries().containsKey("stable_after") ? r.longDuration(lm, "stable_after", lk + ".stable_after") : p.stableAfter();
            java.time.Duration deadline = lm.entries().containsKey("deadline") ? r.longDuration(lm, "deadline", lk + ".deadline") : p.deadline();
            if (deadline.compareTo(min) < 0) throw new ConfigException(r.file, lm.line(), lk + ".deadline", "must not be shorter than min");
            l = new dev.vigil.profile.Dimension.Learning(min, after, r.number(lm, "stable_calls", lk + ".stable_calls", p.stableCalls(), 0, Long.MAX_VALUE),
                    deadline, (int) r.number(lm, "max_items", lk + ".max_items", p.maxItems(), 1, 1_000_000));
        } else if (ln != null && !(ln instanceof Scalar)) {
            throw new ConfigException(r.file, ln.line(), k + "learning", "expected production, fast or a mapping");
        }
        List<String> domains = d.domains();
        if (pm.entries().containsKey("domains")) {
            Node dn = pm.entries().get("domains");
            domains = dn instanceof Scalar s && (s.text().equals("false") || s.text().isEmpty()) ? List.of() : r.list(pm, "domains", k + "domains");
            for (String lib : domains) { // named by the user: each must be there and resolve names
                Path p = ProbesConfig.find(lib);
                if (p == null) throw new ConfigException(r.file, r.line(pm, "domains"), k + "domains", "no such library " + lib);
                try {
                    if (dev.vigil.host.Elf.read(p.toRealPath()).function("getaddrinfo").isEmpty()) {
                        throw new ConfigException(r.file, r.line(pm, "domains"), k + "domains", lib + " has no getaddrinfo function");
                    }
                } catch (java.io.IOException e) {
                    throw new ConfigException(r.file, r.line(pm, "domains"), k + "domains", lib + ": " + e.getMessage());
                }
            }
        }
        return new Profiles(enabled, l, (int) r.number(pm, "max_profiles", k + "max_profiles", d.maxProfiles(), 1, 1_000_000),
                pm.entries().containsKey("warmup") ? r.longDuration(pm, "warmup", k + "warmup") : d.warmup(), ignore, domains,
                pm.entries().containsKey("syscalls") ? r.bool(pm, "syscalls", k + "syscalls") : d.syscalls());
    }

    private static AlertPipeline.Limits alerts(Reader r, Node n, AlertPipeline.Limits d) {
        if (n == null || n instanceof Scalar s && s.text().isEmpty()) return d;
        Mapping m = r.mapping(n, "alerts");
        r.known(m, "alerts", "cooldown", "rate_limit", "burst", "max_keys");
        Duration cooldown = m.entries().containsKey("cooldown") ? r.duration(m, "cooldown", "alerts.cooldown", true) : d.cooldown();
        int rate = (int) r.number(m, "rate_limit", "alerts.rate_limit", d.perMinute(), 0, 1_000_000);
        int burst = (int) r.number(m, "burst", "alerts.burst", d.burst(), rate > 0 ? 1 : 0, 1_000_000);
        int keys = (int) r.number(m, "max_keys", "alerts.max_keys", d.maxKeys(), 1, 10_000_000);
        return new AlertPipeline.Limits(cooldown, rate, burst, keys);
    }

    private static List<Output> outputs(Reader r, Node n, Path state) {
        if (n instanceof Scalar s && s.text().isEmpty()) {
            throw new ConfigException(r.file, n.line(), "outputs", "none given; name at least one of stdout, file, syslog, webhook, kafka");
        }
        Mapping m = r.mapping(n, "outputs");
        if (m.entries().isEmpty()) throw new ConfigException(r.file, n.line(), "outputs", "none given; name at least one of stdout, file, syslog, webhook, kafka");
        List<Output> out = new ArrayList<>();
        for (var e : m.entries().entrySet()) {
            String name = e.getKey(), key = "outputs." + name;
            Node v = e.getValue();
            Mapping o = v instanceof Scalar s && s.text().isEmpty() ? new Mapping(Map.of(), Map.of(), v.line()) : r.mapping(v, key);
            if (o.entries().containsKey("enabled") && !r.bool(o, "enabled", key + ".enabled")) continue;
            switch (name) {
                case "stdout" -> {
                    r.known(o, key, "enabled", "format");
                    out.add(new Stdout(r.format(o, key, Format.TEXT)));
                }
                case "file" -> {
                    r.known(o, key, "enabled", "path", "max_size", "keep", "format");
                    if (!o.entries().containsKey("path")) throw new ConfigException(r.file, o.line(), key, "needs 'path' (e.g. /var/log/vigil/alerts.json)");
                    out.add(new FileOut(Path.of(r.text(o, "path", key + ".path", false)),
                            o.entries().containsKey("max_size") ? r.size(o, "max_size", key + ".max_size") : 100L << 20,
                            (int) r.number(o, "keep", key + ".keep", 5, 0, 1000), r.format(o, key, Format.JSON)));
                }
                case "syslog" -> {
                    r.known(o, key, "enabled", "address", "facility", "format");
                    String addr = o.entries().containsKey("address") ? r.text(o, "address", key + ".address", false) : "unix:/dev/log";
                    if (!addr.startsWith("unix:") && !addr.startsWith("udp:")) {
                        throw new ConfigException(r.file, o.keyLines().get("address"), key + ".address", "'" + addr + "' must be unix:PATH or udp:HOST:PORT");
                    }
                    String fac = o.entries().containsKey("facility") ? r.text(o, "facility", key + ".facility", false) : "daemon";
                    out.add(new Syslog(addr, fac, r.format(o, key, Format.TEXT)));
                }
                case "webhook" -> {
                    r.known(o, key, "enabled", "url", "headers", "queue", "batch", "retries", "timeout", "backoff");
                    if (!o.entries().containsKey("url")) throw new ConfigException(r.file, o.line(), key, "needs 'url' (http:// or https://)");
                    String u = r.text(o, "url", key + ".url", false);
                    URI uri;
                    try {
                        uri = new URI(u);
                    } catch (URISyntaxException ex) {
                        uri = null;
                    }
                    if (uri == null || uri.getHost() == null || !List.of("http", "https").contains(String.valueOf(uri.getScheme()))) {
                        throw new ConfigException(r.file, o.keyLines().get("url"), key + ".url", "'" + u + "' is not an http:// or https:// URL");
                    }
                    Map<String, String> headers = new LinkedHashMap<>();
                    if (o.entries().containsKey("headers")) {
                        Mapping h = r.mapping(o.entries().get("headers"), key + ".headers");
                        for (var he : h.entries().entrySet()) headers.put(he.getKey(), r.text(h, he.getKey(), key + ".headers." + he.getKey(), true));
                    }
                    out.add(new Webhook(uri, headers, (int) r.number(o, "queue", key + ".queue", 1000, 1, 1_000_000),
                            (int) r.number(o, "batch", key + ".batch", 50, 1, 10_000), (int) r.number(o, "retries", key + ".retries", 5, 0, 100),
                            o.entries().containsKey("timeout") ? r.duration(o, "timeout", key + ".timeout", false) : Duration.ofSeconds(5),
                            o.entries().containsKey("backoff") ? r.duration(o, "backoff", key + ".backoff", false) : Duration.ofMillis(500)));
                }
                case "kafka" -> {
                    r.known(o, key, "enabled", "bootstrap", "topic", "profile_events_topic", "fleet_public_key", "fleet_topic", "spool_dir", "spool_size",
                            "properties");
                    if (!o.entries().containsKey("bootstrap")) throw new ConfigException(r.file, o.line(), key, "needs 'bootstrap' (HOST:PORT[,HOST:PORT...])");
                    String b = r.text(o, "bootstrap", key + ".bootstrap", false);
                    for (String hp : b.split(",")) {
                        if (!hp.strip().matches("[^\\s:]+:\\d{1,5}") && !hp.strip().matches("\\[[0-9a-fA-F:]+]:\\d{1,5}")) {
                            throw new ConfigException(r.file, o.keyLines().get("bootstrap"), key + ".bootstrap", "'" + hp.strip() + "' is not HOST:PORT");
                        }
                    }
                    Map<String, String> props = new LinkedHashMap<>();
                    if (o.entries().containsKey("properties")) {
                        Mapping h = r.mapping(o.entries().get("properties"), key + ".properties");
                        for (var he : h.entries().entrySet()) props.put(he.getKey(), r.text(h, he.getKey(), key + ".properties." + he.getKey(), true));
                    }
                    out.add(new Kafka(b, o.entries().containsKey("topic") ? r.text(o, "topic", key + ".topic", false) : dev.vigil.alert.KafkaOutput.DEFAULT_TOPIC,
                            o.entries().containsKey("spool_dir") ? Path.of(r.text(o, "spool_dir", key + ".spool_dir", false)) : state.resolve("kafka-spool"),
                            o.entries().containsKey("spool_size") ? r.size(o, "spool_size", key + ".spool_size") : 100L << 20, props,
                            o.entries().containsKey("profile_events_topic") ? r.text(o, "profile_events_topic", key + ".profile_events_topic", true)
                                    : dev.vigil.profile.ProfileEvents.TOPIC,
                            o.entries().containsKey("fleet_public_key") ? Path.of(r.text(o, "fleet_public_key", key + ".fleet_public_key", false)) : null,
                            o.entries().containsKey("fleet_topic") ? r.text(o, "fleet_topic", key + ".fleet_topic", false) : dev.vigil.profile.ProfileEvents.FLEET_TOPIC));
                }
                default -> throw new ConfigException(r.file, m.keyLines().get(name), key, "unknown output (stdout, file, syslog, webhook, kafka)");
            }
        }
        return out;
    }

    /** Reads typed values with file:line: key errors. */
    private record Reader(String file) {
        private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMG]i?B?|B)?", Pattern.CASE_INSENSITIVE);

        Mapping mapping(Node n, String key) {
            if (!(n instanceof Mapping m)) throw new ConfigException(file, n.line(), key, "expected a mapping");
            return m;
        }

        void known(Mapping m, String key, String... keys) {
            for (String k : m.entries().keySet()) {
                if (!List.of(keys).contains(k)) throw new ConfigException(file, m.keyLines().get(k), key + "." + k, "unknown key (" + String.join(", ", keys) + ")");
            }
        }

        int line(Mapping m, String k) { return m.keyLines().getOrDefault(k, m.line()); }

        String text(Mapping m, String k, String key, boolean emptyOk) {
            String t = Yaml.scalar(file, key, m.entries().get(k));
            if (!emptyOk && t.isBlank()) throw new ConfigException(file, line(m, k), key, "must not be empty");
            return t;
        }

        boolean bool(Mapping m, String k, String key) {
            String t = text(m, k, key, true);
            if (!t.equals("true") && !t.equals("false")) throw new ConfigException(file, line(m, k), key, "expected true or false, got '" + t + "'");
            return t.equals("true");
        }

        long number(Mapping m, String k, String key, long dflt, long min, long max) {
            if (!m.entries().containsKey(k)) return dflt;
            String what = max == Long.MAX_VALUE ? "a whole number >= " + min : "a whole number from " + min + " to " + max;
            return Yaml.number(file, line(m, k), key, text(m, k, key, true), min, max, what);
        }

        Duration duration(Mapping m, String k, String key, boolean zeroOk) {
            String t = text(m, k, key, true);
            if (zeroOk && t.strip().matches("0+(ms|s|m|h)?")) return Duration.ZERO;
            return Yaml.duration(file, line(m, k), key, t);
        }

        /** A duration that may be long: 500ms, 30s, 10m, 6h, 7d (0 to 365 days). */
        java.time.Duration longDuration(Mapping m, String k, String key) {
            String t = text(m, k, key, true).strip();
            Matcher x = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)").matcher(t);
            if (!x.matches()) throw new ConfigException(file, line(m, k), key, "'" + t + "' is not a duration (e.g. 30s, 10m, 6h, 7d)");
            long v = Long.parseLong(x.group(1));
            java.time.Duration d = switch (x.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(v);
                case "s" -> java.time.Duration.ofSeconds(v);
                case "m" -> java.time.Duration.ofMinutes(v);
                case "h" -> java.time.Duration.ofHours(v);
                default -> java.time.Duration.ofDays(v);
            };
            if (d.compareTo(java.time.Duration.ofDays(365)) > 0) throw new ConfigException(file, line(m, k), key, "'" + t + "' is out of range (at most 365d)");
            return d;
        }

        long size(Mapping m, String k, String key) {
            String t = text(m, k, key, true);
            Matcher x = SIZE.matcher(t.strip());
            if (!x.matches()) throw new ConfigException(file, line(m, k), key, "'" + t + "' is not a size (e.g. 100MB, 512KiB, 1GB)");
            long v = Long.parseLong(x.group(1));
            String u = x.group(2) == null ? "B" : x.group(2).toUpperCase(java.util.Locale.ROOT);
            long mult = switch (u.charAt(0)) { case 'K' -> 1L << 10; case 'M' -> 1L << 20; case 'G' -> 1L << 30; default -> 1; };
            long bytes = v * mult;
            if (bytes < 1024 || bytes > (1L << 40)) throw new ConfigException(file, line(m, k), key, "'" + t + "' is out of range (1KiB to 1TiB)");
            return bytes;
        }

        List<String> list(Mapping m, String k, String key) {
            Node n = m.entries().get(k);
            if (n == null || n instanceof Scalar s && s.text().isEmpty()) return List.of();
            List<String> out = new ArrayList<>();
            if (n instanceof Yaml.Seq q) {
                for (int i = 0; i < q.items().size(); i++) out.add(Yaml.scalar(file, key + "[" + i + "]", q.items().get(i)));
            } else {
                out.add(Yaml.scalar(file, key, n));
            }
            return out;
        }

        Format format(Mapping m, String key, Format dflt) {
            if (!m.entries().containsKey("format")) return dflt;
            String t = text(m, "format", key + ".format", false);
            if (!Set.of("text", "json").contains(t)) throw new ConfigException(file, line(m, "format"), key + ".format", "'" + t + "' is not text or json");
            return Format.parse(t);
        }
    }
}
