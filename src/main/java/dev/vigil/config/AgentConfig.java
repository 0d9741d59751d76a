package dev.vigil.config;

import dev.vigil.alert.AlertOutput.Format;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.Host;
import dev.vigil.event.SensorSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The agent's one configuration file (/etc/vigil/vigil.yaml): today's vigil.yaml
 * (collectors, filters) plus host, state_dir, detectors, alerts, outputs and metrics. Every
 * key has a default ({@link #defaults()}; {@link #toYaml()} prints them all, and what it
 * prints parses back to the same config). Every error is one line naming the file, the
 * line and the key. Immutable.
 *
 * @param contextCollectors exec and/or risky: they give alerts the process's command line
 *                          and recent high-risk calls (other trace collectors are ignored)
 * @param filters           a process must match every filter given: applied in the kernel by
 *                          the context collectors and to every alert
 * @param metrics           [HOST:]PORT to serve Prometheus metrics on, or null
 * @param probes            custom probes ({@link ProbesConfig}): each a profile dimension of its own (probe:NAME)
 */
public record AgentConfig(String file, String host, Path stateDir, Sequence sequence, Profiles profiles, List<String> contextCollectors,
                          SensorSettings filters, AlertPipeline.Limits limits, List<Output> outputs, String metrics,
                          List<String> warnings, List<dev.vigil.event.ProbeSpec> probes) {
    public static final Path DEFAULT_FILE = Path.of("/etc/vigil/vigil.yaml");
    static final List<String> TOP = List.of("host", "state_dir", "detectors", "collectors", "filters", "alerts", "outputs", "metrics", "probes");

    /** Without custom probes. */
    public AgentConfig(String file, String host, Path stateDir, Sequence sequence, Profiles profiles, List<String> contextCollectors,
                       SensorSettings filters, AlertPipeline.Limits limits, List<Output> outputs, String metrics, List<String> warnings) {
        this(file, host, stateDir, sequence, profiles, contextCollectors, filters, limits, outputs, metrics, warnings, List.of());
    }

    public AgentConfig {
        probes = List.copyOf(probes);
        contextCollectors = List.copyOf(contextCollectors);
        outputs = List.copyOf(outputs);
        warnings = List.copyOf(warnings);
    }

    /**
     * The sequence detector (watch's in-kernel lookahead-pair profiles per executable).
     * @param exe   only these executables (empty: every process)
     * @param burst a process's unseen sequences closer than this to each other are one alert with a count (zero: one alert each, as watch)
     * @param alertFrame pH's locality frame: unseen sequences are an alert only once the thread has made this many anomalous
     *                   calls in its last 128 (1: each one, as watch); fewer are counted, not raised
     */
    public record Sequence(boolean enabled, List<Path> exe, int window, long minCalls, long stableCalls, int tolerizeLimit,
                           int maxProfiles, int maxPairEntries, Duration saveEvery, String pinDir, Duration burst, int alertFrame) {
        /** The default frame: half the tolerize limit (pH's 12), where an anomaly was already raised as medium. */
        public static final int DEFAULT_FRAME = 6;

        public Sequence {
            exe = List.copyOf(exe);
            if (alertFrame < 1 || alertFrame > 128) throw new IllegalArgumentException("alert_frame must be 1..128 (anomalous calls in the last 128)");
        }

        /** Every anomaly an alert (alert frame 1). */
        public Sequence(boolean enabled, List<Path> exe, int window, long minCalls, long stableCalls, int tolerizeLimit, int maxProfiles,
                        int maxPairEntries, Duration saveEvery, String pinDir, Duration burst) {
            this(enabled, exe, window, minCalls, stableCalls, tolerizeLimit, maxProfiles, maxPairEntries, saveEvery, pinDir, burst, 1);
        }

        /** This, when the sequence sensor takes its settings; an IllegalArgumentException saying which is out of range otherwise. */
        public Sequence validated() {
            new dev.vigil.sensor.SequenceSensor.Settings(window, minCalls, stableCalls, tolerizeLimit, maxProfiles, maxPairEntries, List.of());
            return this;
        }

        /** Without bursts: one alert per anomalous call (watch). */
        public Sequence(boolean enabled, List<Path> exe, int window, long minCalls, long stableCalls, int tolerizeLimit, int maxProfiles,
                        int maxPairEntries, Duration saveEvery, String pinDir) {
            this(enabled, exe, window, minCalls, stableCalls, tolerizeLimit, maxProfiles, maxPairEntries, saveEvery, pinDir, Duration.ZERO);
        }

        public static Sequence defaults() {
            return new Sequence(false, List.of(), 9, 1_000_000, 200_000, 12, 4096, 65536, Duration.ofSeconds(60), "/sys/fs/bpf/vigil", Duration.ofSeconds(2),
                    DEFAULT_FRAME);
        }
    }

    /**
     * Workload behaviour profiles (the process-lineage dimension so far): per workload, the
     * programs its processes run, learnt until stable, then a new one is an alert.
     */
    /**
     * The workload profiles' settings; domains: the resolver libraries whose getaddrinfo answers name the public
     * addresses a workload connects to (by path or bare name; empty: connections to public addresses are items of
     * their class and port only); syscalls: every system call is seen (the system-call dimension, one BPF program run
     * on every call of every process), else only the calls the other dimensions judge (no BPF program runs for any
     * other call; a workload's activity counts its judged calls).
     */
    public record Profiles(boolean enabled, dev.vigil.profile.Dimension.Learning learning, int maxProfiles, Duration warmup, List<String> ignore,
                           List<String> domains, boolean syscalls) {
        /** Interactive logins (systemd's user slices) are people, not workloads: not profiled by default. */
        public static final List<String> IGNORE = List.of("/user.slice");
        /** glibc's resolver, where the host has one. */
        public static final List<String> DOMAINS = List.of("libc.so.6");

        public Profiles {
            ignore = List.copyOf(ignore);
            domains = List.copyOf(domains);
        }

        public Profiles(boolean enabled, dev.vigil.profile.Dimension.Learning learning, int maxProfiles, Duration warmup, List<String> ignore) {
            this(enabled, learning, maxProfiles, warmup, ignore, DOMAINS);
        }

        public Profiles(boolean enabled, dev.vigil.profile.Dimension.Learning learning, int maxProfiles, Duration warmup, List<String> ignore,
                        List<String> domains) {
            this(enabled, learning, maxProfiles, warmup, ignore, domains, true);
        }

        /** Kernel workload slots: a workload can start as several (argv, cgroup after a restart), so four per profile, at least 4,096. */
        public int maxSlots() { return Math.max(4096, Math.min(65_536, maxProfiles * 4)); }

        public static Profiles defaults() {
            return new Profiles(true, dev.vigil.profile.Dimension.Learning.production(), 1000, Duration.ofSeconds(60), IGNORE);
        }

        public static Profiles off() { return new Profiles(false, defaults().learning(), 1000, Duration.ofSeconds(60), IGNORE); }
    }

    /** An output and its settings. */
    public sealed interface Output permits Stdout, FileOut, Syslog, Webhook, Kafka {
        String name();
    }

    public record Stdout(Format format) implements Output {
        public String name() { return "stdout"; }
    }

    public record FileOut(Path path, long maxBytes, int keep, Format format) implements Output {
        public String name() { return "file"; }
    }

    public record Syslog(String address, String facility, Format format) implements Output {
        public String name() { return "syslog"; }
    }

    public record Webhook(URI url, Map<String, String> headers, int queue, int batch, int retries, Duration timeout, Duration backoff) implements Output {
        public Webhook {
            headers = Map.copyOf(headers);
        }

        public String name() { return "webhook"; }
    }

    /**
     * Alerts to a Kafka topic through a spool on disk (see {@link dev.vigil.alert.KafkaOutput}).
     * @param spool      the spool's folder (default STATE_DIR/kafka-spool)
     * @param properties producer settings passed through (TLS, SASL, ...)
     * @param profileTopic where the profiles' new items go (default vigil.profile-events), "" for nowhere
     * @param fleetKey   the fleet's public key: when given, the agent imports the signed merged profiles of fleetTopic
     * @param fleetTopic the merged profiles' topic (default vigil.profiles)
     */
    public record Kafka(String bootstrap, String topic, Path spool, long spoolBytes, Map<String, String> properties, String profileTopic,
                        Path fleetKey, String fleetTopic) implements Output {
        public Kafka {
            properties = Map.copyOf(properties);
        }

        public String name() { return "kafka"; }
    }

    public static AgentConfig defaults() {
        return new AgentConfig("", Host.name(), Path.of("/var/lib/vigil"), Sequence.defaults(), Profiles.defaults(), List.of("exec"),
                SensorSettings.defaults(), new AlertPipeline.Limits(Duration.ofHours(1), 60, 20, 10_000),
                List.of(new Stdout(Format.TEXT), new FileOut(Path.of("/var/log/vigil/alerts.json"), 100L << 20, 5, Format.JSON)), null, List.of());
    }

    public static AgentConfig load(Path path) {
        String name = path.toString();
        try {
            return parse(name, Files.readString(path));
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, 0, "", "no such file");
        } catch (IOException e) {
            throw new ConfigException(name, 0, "", "cannot read: " + e.getMessage());
        }
    }

    /** The config in a YAML text (file names it in errors); every error names the file, the line and the key. */
    public static AgentConfig parse(String file, String text) { return AgentConfigReader.parse(file, text); }

    /** The effective configuration, every default written out, as YAML that parses back to this config. */
    public String toYaml() { return AgentConfigWriter.yaml(this); }
}
