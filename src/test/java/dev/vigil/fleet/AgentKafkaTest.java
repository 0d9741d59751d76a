package dev.vigil.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.agent.Agent;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.demo.FleetDemo;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agents configured with the Kafka output, fed by replays of recorded workloads: their events, the fleet's import, and the metrics of both. */
class AgentKafkaTest extends dev.vigil.alert.BrokerTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());


    static String scrape(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static AgentConfig config(String host, Path dir, String pub) {
        return AgentConfig.parse(host + ".yaml", "host: " + host + "\n" + """
                detectors:
                  sequence: {enabled: false}
                  profiles: {enabled: true, learning: {min: 60s, stable_after: 30s, stable_calls: 5000, deadline: 780s, max_items: 2000}, warmup: 0s}
                alerts: {cooldown: 600s, rate_limit: 0, burst: 0}
                outputs:
                  kafka:
                    bootstrap: '%s'
                    topic: agent-t1.alerts
                    profile_events_topic: agent-t1.events
                    fleet_topic: agent-t1.profiles
                    spool_dir: '%s'
                """.formatted(kafka.bootstrapServers(), dir.resolve(host)) + (pub == null ? "" : "    fleet_public_key: '" + pub + "'\n"));
    }

    static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < end) Thread.sleep(50);
    }

    @Test
    void aReplayedAgentPublishesItsProfileEventsAndANewOneImportsTheFleetsProfilesWithTheirMetrics(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir.resolve("fleet"));
        Path web1 = FleetDemo.recording("web-1", dir), web4 = FleetDemo.recording("web-4", dir);
        long sent;
        try (Metrics m = Metrics.serve("127.0.0.1", 0, "agent", "test"); Agent a = new Agent(config("web-1", dir, null), QUIET)) {
            a.replayEvents(web1, m);
            await(() -> a.profileEventCounts().get("sent") > 0 && a.profileEventCounts().get("spooled_bytes") == 0
                    && a.kafkaAlertCounts().get("spooled_bytes") == 0);
            sent = a.profileEventCounts().get("sent");
            // the recording's two workloads: 165 items learnt, and 10 dimensions that ended their learning stable
            assertThat(sent).isEqualTo(175);
            assertThat(scrape(m.port())).contains("vigil_profile_events_total{result=\"sent\"} 175.0", "vigil_profile_events_total{result=\"dropped\"} 0.0",
                    "vigil_profile_events_spooled_bytes 0.0", "vigil_output_spooled_bytes{output=\"kafka\"} 0.0",
                    "vigil_output_alerts_total{output=\"kafka\",result=\"sent\"} 10.0").doesNotContain("vigil_fleet_profiles_total");
        }
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "agent-t1", "agent-t1.events", "agent-t1.profiles", 1,
                java.util.Map.of());
        // and a service of the fleet that web-4 does not run
        try (var prod = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(java.util.Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            String other = FleetServiceTest.event("db-1", "files", "read /etc/postgresql/postgresql.conf", "learnt").replace(FleetServiceTest.W,
                    "systemd:postgresql.service postgres");
            prod.send(new org.apache.kafka.clients.producer.ProducerRecord<>("agent-t1.events", "systemd:postgresql.service postgres", other)).get();
        }
        try (FleetService f = new FleetService(s, signer, QUIET)) {
            await(() -> {
                try {
                    f.pollOnce(Duration.ofMillis(200));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return f.counts().get("events") >= sent + 1;
            });
            f.flush();
            assertThat(f.counts()).containsEntry("events", sent + 1).containsEntry("workloads", 3L);
        }
        // a new host with the fleet's key: the three documents verified before its first event, none rejected; the two of
        // its own services merged, the other service's profile not made here
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (Metrics m = Metrics.serve("127.0.0.1", 0, "agent", "test");
             Agent a = new Agent(config("web-4", dir, dir.resolve("fleet").resolve(Signer.PUBLIC).toString()), new PrintStream(log, true))) {
            a.replayEvents(web4, m);
            assertThat(scrape(m.port())).contains("vigil_fleet_profiles_total{result=\"verified\"} 3.0", "vigil_fleet_profiles_total{result=\"rejected\"} 0.0");
        }
        assertThat(log.toString()).contains("fleet profile of cgroup:/vigil-sc-web/app vigil-webapp (version ", "fleet profile of cgroup:/vigil-sc-web/nginx nginx")
                .contains(": 2 workload profiles,").doesNotContain("postgres");
        assertThat(read("agent-t1.alerts", 10).stream().map(r -> r.key()).distinct().sorted().toList())
                .as("the alerts of both hosts, keyed by host").isEqualTo(List.of("web-1", "web-4"));
    }
}
