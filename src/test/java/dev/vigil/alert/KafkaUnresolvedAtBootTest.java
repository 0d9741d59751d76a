package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** At boot the resolver may not be up yet: brokers whose names do not resolve are a transient cause, not a reason to exit. */
class KafkaUnresolvedAtBootTest {
    @Test
    void brokersWhoseNamesDoNotResolveAreSpooledForAndRetried(@TempDir Path dir) throws Exception {
        try (KafkaPublisher p = new KafkaPublisher("no-such-broker.invalid:9092", "vigil.alerts", "vigil.alert/1", "test", dir, 1 << 20, Map.of())) {
            for (int i = 0; i < 10; i++) assertThat(p.publish("web-1", "{\"n\":" + i + "}")).isTrue();
            assertThat(p.counts().get("spooled_bytes")).isPositive();
            assertThat(p.counts()).containsEntry("sent", 0L).containsEntry("dropped", 0L);
            assertThat(p.lastError()).startsWith("the brokers' names do not resolve (yet): no-such-broker.invalid:9092");
        }
        try (KafkaPublisher again = new KafkaPublisher("no-such-broker.invalid:9092", "vigil.alerts", "vigil.alert/1", "test", dir, 1 << 20, Map.of())) {
            assertThat(again.counts().get("spooled_bytes")).as("kept on disk across a restart").isPositive();
        }
    }
}
