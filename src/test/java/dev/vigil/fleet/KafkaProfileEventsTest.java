package dev.vigil.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.Alert;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.workload.LineageDetector;
import dev.vigil.workload.LineageDetectorTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profiles' new items published to Kafka (an in-process KRaft broker on loopback; no root). */
class KafkaProfileEventsTest extends dev.vigil.alert.BrokerTest {

    @Test
    void learntItemsTheEndOfLearningAndNovelItemsArriveKeyedByWorkloadInOrder(@TempDir Path dir) throws Exception {
        Instant t0 = Instant.parse("2026-11-24T00:00:00Z");
        int root = LineageDetectorTest.ROOT;
        List<Alert> alerts = new ArrayList<>();
        try (KafkaProfileEvents events = new KafkaProfileEvents(kafka.bootstrapServers(), "vigil.profile-events.t1", "web-1", dir,
                1 << 20, Map.of())) {
            ProcessContext ctx = new ProcessContext();
            LineageDetector d = new LineageDetector(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(5), 2, Duration.ofHours(1), 100),
                    Duration.ZERO, List.of("/user.slice"), new ProcessDescriber(ctx, false), "web-1").events(events);
            KernelEvent.Exec r = LineageDetectorTest.exec(root, LineageDetectorTest.SYSTEMD, "/nonexistent/bin/python3", "python3", "/srv/app.py");
            ctx.accept(r);
            d.accept(r, t0);
            int[] pid = {root + 1};
            java.util.function.BiConsumer<Integer, String[]> child = (s, argv) -> {
                KernelEvent.Exec e = LineageDetectorTest.exec(pid[0]++, root, "/nonexistent/bin/" + argv[0], argv);
                ctx.accept(e);
                alerts.addAll(d.accept(e, t0.plusSeconds(s)));
            };
            child.accept(1, new String[] {"sh", "-c", "date"}); // learnt
            child.accept(2, new String[] {"sh", "-c", "date"}); // seen: no event
            d.profiles().find(d.workloadOf(root).orElseThrow()).addActivity(5);
            child.accept(8, new String[] {"sh", "-c", "date"}); // turns stable: no new item, a state event
            child.accept(20, new String[] {"nc", "10.0.0.1", "4444"}); // novel
            long end = System.nanoTime() + 30_000_000_000L;
            while (events.counts().get("sent") < 3 && System.nanoTime() < end) Thread.sleep(50);
            assertThat(events.counts()).containsEntry("sent", 3L).containsEntry("dropped", 0L);
        }
        assertThat(alerts).extracting(Alert::kind).containsExactly("profile_state", "anomaly");
        List<ConsumerRecord<String, String>> got = read("vigil.profile-events.t1", 3);
        assertThat(got).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        JsonNode learnt = json.readTree(got.get(0).value()), stable = json.readTree(got.get(1).value()), novel = json.readTree(got.get(2).value());
        assertThat(got.get(0).key()).isEqualTo("host python3:/srv/app.py").isEqualTo(got.get(1).key()).isEqualTo(got.get(2).key());
        assertThat(new String(got.get(0).headers().lastHeader("schema").value(), StandardCharsets.UTF_8)).isEqualTo(KafkaProfileEvents.SCHEMA);
        assertThat(learnt.get("schema").asText()).isEqualTo("vigil.profile-event/1");
        assertThat(learnt.get("host").asText()).isEqualTo("web-1");
        assertThat(learnt.get("workload").asText()).isEqualTo("host python3:/srv/app.py");
        assertThat(learnt.get("dimension").asText()).isEqualTo("process");
        assertThat(learnt.get("item").asText()).isEqualTo("/nonexistent/bin/python3 -> /nonexistent/bin/sh -c date");
        assertThat(learnt.get("verdict").asText()).isEqualTo("learnt");
        assertThat(learnt.get("state").asText()).isEqualTo("learning");
        assertThat(learnt.get("time").asText()).isEqualTo("2026-11-24T00:00:01Z");
        assertThat(stable.get("verdict").asText()).as("learning ended here").isEqualTo("state");
        assertThat(stable.get("item").asText()).isEmpty();
        assertThat(stable.get("dimension").asText()).isEqualTo("process");
        assertThat(stable.get("state").asText()).isEqualTo("stable");
        assertThat(stable.get("time").asText()).isEqualTo("2026-11-24T00:00:08Z");
        assertThat(novel.get("item").asText()).isEqualTo("/nonexistent/bin/python3 -> /nonexistent/bin/nc <n>.<n>.<n>.<n> <n>");
        assertThat(novel.get("verdict").asText()).isEqualTo("novel");
        assertThat(novel.get("state").asText()).isEqualTo("stable");
    }
}
