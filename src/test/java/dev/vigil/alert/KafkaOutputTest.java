package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka output against an in-process KRaft broker on loopback (no root needed). */
public class KafkaOutputTest extends BrokerTest {
    static Alert alert(int i) {
        // every alert's JSON line the same length: fixed-width numbers, whole seconds
        return Alert.builder("profile", "anomaly").time(Instant.parse("2026-11-24T00:00:00Z").plusSeconds(i)).host("web-1")
                .summary(String.format("alert number %04d", i)).dedupKey(String.format("k%04d", i)).build();
    }

    @Test
    void alertsArriveInOrderKeyedByHostInTheAlertSchema(@TempDir Path dir) throws Exception {
        try (KafkaOutput out = new KafkaOutput(kafka.bootstrapServers(), "vigil.alerts.t1", "web-1", dir, 1 << 20, Map.of())) {
            for (int i = 0; i < 300; i++) out.send(alert(i));
            long end = System.nanoTime() + 30_000_000_000L;
            while (out.counts().get("sent") < 300 && System.nanoTime() < end) Thread.sleep(50);
            assertThat(out.counts()).containsEntry("sent", 300L).containsEntry("dropped", 0L).containsEntry("spooled_bytes", 0L);
        }
        List<ConsumerRecord<String, String>> got = read("vigil.alerts.t1", 300);
        assertThat(got).hasSize(300);
        for (int i = 0; i < 300; i++) {
            ConsumerRecord<String, String> r = got.get(i);
            assertThat(r.key()).isEqualTo("web-1");
            assertThat(new String(r.headers().lastHeader("schema").value(), StandardCharsets.UTF_8)).isEqualTo(Alert.SCHEMA);
            assertThat(AlertJson.parse(r.value())).isEqualTo(alert(i));
        }
    }

    @Test
    void brokersUnreachableMidStreamAndBackLoseNothingWithinTheSpool(@TempDir Path dir) throws Exception {
        int proxyPort = CuttableProxy.freePort();
        try (KafkaClusterTestKit k = dev.vigil.demo.LocalBroker.create(Map.of("advertised.listeners", "EXTERNAL://localhost:" + proxyPort))) {
            k.startup();
            CuttableProxy proxy = new CuttableProxy(proxyPort, Integer.parseInt(k.bootstrapServers().replaceAll(".*:", "")));
            proxy.up();
            k.waitForReadyBrokers();
            try (KafkaOutput out = new KafkaOutput("localhost:" + proxyPort, "vigil.alerts.t3", "web-1", dir, 1 << 20,
                    Map.of("reconnect.backoff.max.ms", "500", "max.block.ms", "2000", "request.timeout.ms", "3000", "delivery.timeout.ms", "5000"))) {
                for (int i = 0; i < 100; i++) out.send(alert(i));
                long end = System.nanoTime() + 30_000_000_000L;
                while (out.counts().get("sent") < 100 && System.nanoTime() < end) Thread.sleep(50);
                assertThat(out.counts().get("sent")).isEqualTo(100L);
                proxy.cut(); // the brokers unreachable mid-stream
                for (int i = 100; i < 250; i++) out.send(alert(i));
                end = System.nanoTime() + 30_000_000_000L;
                while (out.counts().get("failed") == 0 && System.nanoTime() < end) Thread.sleep(50);
                assertThat(out.counts().get("failed")).as("batches failed while cut").isPositive();
                assertThat(out.counts().get("spooled_bytes")).isPositive();
                proxy.up(); // and back
                end = System.nanoTime() + 60_000_000_000L;
                while (out.counts().get("spooled_bytes") > 0 && System.nanoTime() < end) Thread.sleep(100);
                assertThat(out.counts()).containsEntry("spooled_bytes", 0L).containsEntry("dropped", 0L);
            }
            java.util.Properties p = new java.util.Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + proxyPort);
            List<Alert> got = new ArrayList<>();
            try (var c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                List<TopicPartition> parts = c.partitionsFor("vigil.alerts.t3", Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition("vigil.alerts.t3", i.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                long end = System.nanoTime() + 30_000_000_000L;
                while (got.size() < 250 && System.nanoTime() < end) c.poll(Duration.ofMillis(200)).forEach(r -> got.add(AlertJson.parse(r.value())));
            }
            // every alert arrived, in order; a batch acknowledged by the broker as the connection was cut may have been sent again
            assertThat(got.size()).isGreaterThanOrEqualTo(250);
            assertThat(got.stream().distinct().toList()).isEqualTo(java.util.stream.IntStream.range(0, 250).mapToObj(KafkaOutputTest::alert).toList());
            proxy.close();
        }
    }

    @Test
    void brokersUnreachableFillTheSpoolWhichIsDeliveredLaterAndWhatDidNotFitIsCounted(@TempDir Path dir) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed
        }
        long line = ("web-1\t" + AlertJson.line(alert(0))).getBytes(StandardCharsets.UTF_8).length + 1; // a spooled record: key, tab, value, newline
        long room = line * 40 + line / 2; // room for 40 alerts
        int sent = 100;
        long kept;
        try (KafkaOutput out = new KafkaOutput("127.0.0.1:" + closed, "vigil.alerts.t2", "web-1", dir, room,
                Map.of("reconnect.backoff.max.ms", "200", "max.block.ms", "1000"));
             Metrics m = Metrics.serve("127.0.0.1", 0, "test", "0")) {
            new AlertPipeline(AlertPipeline.Limits.none(), List.of(out)).register(m);
            for (int i = 0; i < sent; i++) out.send(alert(i));
            long end = System.nanoTime() + 20_000_000_000L;
            while (out.counts().get("failed") == 0 && System.nanoTime() < end) Thread.sleep(50);
            Map<String, Long> c = out.counts();
            assertThat(c.get("sent")).isZero();
            assertThat(c.get("failed")).as("a batch tried and failed").isPositive();
            kept = sent - c.get("dropped");
            assertThat(kept).isEqualTo(40);
            assertThat(c.get("spooled_bytes")).isEqualTo(kept * line);
            assertThat(MetricsTest.scrape(m.port())).as("the spool and the losses in the metrics")
                    .contains("vigil_output_spooled_bytes{output=\"kafka\"} " + (double) (kept * line))
                    .contains("vigil_output_alerts_total{output=\"kafka\",result=\"dropped\"} " + (double) (sent - kept));
        }
        // the agent restarts with the brokers reachable: the spooled alerts go out, the first 40, in order
        try (KafkaOutput out = new KafkaOutput(kafka.bootstrapServers(), "vigil.alerts.t2", "web-1", dir, room, Map.of())) {
            long end = System.nanoTime() + 30_000_000_000L;
            while (out.counts().get("sent") < kept && System.nanoTime() < end) Thread.sleep(50);
            assertThat(out.counts()).containsEntry("sent", kept).containsEntry("spooled_bytes", 0L);
        }
        List<ConsumerRecord<String, String>> got = read("vigil.alerts.t2", (int) kept);
        assertThat(got.stream().map(r -> AlertJson.parse(r.value())).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, (int) kept).mapToObj(KafkaOutputTest::alert).toList());
    }
}
