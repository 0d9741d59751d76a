package dev.vigil.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.vigil.config.AgentConfig.*;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes an {@link AgentConfig} as YAML, every default written out (`vigil agent --print-config`); it parses back to the same config. Static. */
final class AgentConfigWriter {
    private AgentConfigWriter() {}

    /** The effective configuration, every default written out, as YAML that parses back to c. */
    static String yaml(AgentConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", cfg.host());
        m.put("state_dir", cfg.stateDir().toString());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("enabled", cfg.sequence().enabled());
        s.put("exe", cfg.sequence().exe().stream().map(Path::toString).toList());
        s.put("window", cfg.sequence().window());
        s.put("min_calls", cfg.sequence().minCalls());
        s.put("stable_calls", cfg.sequence().stableCalls());
        s.put("tolerize_limit", cfg.sequence().tolerizeLimit());
        s.put("max_profiles", cfg.sequence().maxProfiles());
        s.put("max_pair_entries", cfg.sequence().maxPairEntries());
        s.put("save_every", seconds(cfg.sequence().saveEvery()));
        s.put("pin_dir", cfg.sequence().pinDir());
        s.put("burst", seconds(cfg.sequence().burst()));
        s.put("alert_frame", cfg.sequence().alertFrame());
        Map<String, Object> pr = new LinkedHashMap<>();
        pr.put("enabled", cfg.profiles().enabled());
        Map<String, Object> lr = new LinkedHashMap<>();
        lr.put("min", seconds(cfg.profiles().learning().minLearning()));
        lr.put("stable_after", seconds(cfg.profiles().learning().stableAfter()));
        lr.put("stable_calls", cfg.profiles().learning().stableCalls());
        lr.put("deadline", seconds(cfg.profiles().learning().deadline()));
        lr.put("max_items", cfg.profiles().learning().maxItems());
        pr.put("learning", lr);
        pr.put("max_profiles", cfg.profiles().maxProfiles());
        pr.put("warmup", seconds(cfg.profiles().warmup()));
        pr.put("ignore", cfg.profiles().ignore());
        pr.put("domains", cfg.profiles().domains());
        pr.put("syscalls", cfg.profiles().syscalls());
        Map<String, Object> dets = new LinkedHashMap<>();
        dets.put("sequence", s);
        dets.put("profiles", pr);
        m.put("detectors", dets);
        Map<String, Object> cs = new LinkedHashMap<>();
        for (String c : List.of("exec", "risky")) cs.put(c, Map.of("enabled", cfg.contextCollectors().contains(c)));
        m.put("collectors", cs);
        Map<String, Object> f = new LinkedHashMap<>();
        if (!cfg.filters().pids().isEmpty()) f.put("pid", cfg.filters().pids().stream().sorted().toList());
        if (!cfg.filters().uids().isEmpty()) f.put("uid", cfg.filters().uids().stream().sorted().toList());
        if (!cfg.filters().comms().isEmpty()) f.put("comm", cfg.filters().comms().stream().sorted().toList());
        if (!cfg.filters().cgroups().isEmpty()) f.put("cgroup", cfg.filters().cgroups().stream().sorted().toList());
        m.put("filters", f);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("cooldown", seconds(cfg.limits().cooldown()));
        a.put("rate_limit", cfg.limits().perMinute());
        a.put("burst", cfg.limits().burst());
        a.put("max_keys", cfg.limits().maxKeys());
        m.put("alerts", a);
        Map<String, Object> outs = new LinkedHashMap<>();
        for (Output o : cfg.outputs()) {
            Map<String, Object> x = new LinkedHashMap<>();
            switch (o) {
                case Stdout so -> x.put("format", so.format().name().toLowerCase(java.util.Locale.ROOT));
                case FileOut fo -> {
                    x.put("path", fo.path().toString());
                    x.put("max_size", fo.maxBytes());
                    x.put("keep", fo.keep());
                    x.put("format", fo.format().name().toLowerCase(java.util.Locale.ROOT));
                }
                case Syslog so -> {
                    x.put("address", so.address());
                    x.put("facility", so.facility());
                    x.put("format", so.format().name().toLowerCase(java.util.Locale.ROOT));
                }
                case Kafka k -> {
                    x.put("bootstrap", k.bootstrap());
                    x.put("topic", k.topic());
                    x.put("spool_dir", k.spool().toString());
                    x.put("spool_size", k.spoolBytes());
                    x.put("properties", new java.util.TreeMap<>(k.properties()));
                    x.put("profile_events_topic", k.profileTopic());
                    if (k.fleetKey() != null) x.put("fleet_public_key", k.fleetKey().toString());
                    x.put("fleet_topic", k.fleetTopic());
                }
                case Webhook w -> {
                    x.put("url", w.url().toString());
                    x.put("headers", new java.util.TreeMap<>(w.headers()));
                    x.put("queue", w.queue());
                    x.put("batch", w.batch());
                    x.put("retries", w.retries());
                    x.put("timeout", seconds(w.timeout()));
                    x.put("backoff", seconds(w.backoff()));
                }
            }
            outs.put(o.name(), x);
        }
        m.put("outputs", outs);
        m.put("metrics", cfg.metrics() == null ? "off" : cfg.metrics());
        if (!cfg.probes().isEmpty()) m.put("probes", ProbesConfig.write(cfg.probes()));
        try {
            return new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)).writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
