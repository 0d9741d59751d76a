package dev.vigil.alert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Alerts published to a Kafka topic (default {@code vigil.alerts}): one JSON record per
 * alert in the one alert schema, keyed by host (one host's alerts keep their order in one
 * partition), header {@code schema: vigil.alert/1}, through a {@link KafkaPublisher} and its
 * spool on disk (never blocks; nothing lost up to the spool's size; what did not fit is
 * counted as dropped). Thread-safe.
 */
public final class KafkaOutput implements AlertOutput {
    public static final String DEFAULT_TOPIC = "vigil.alerts";
    private final String host;
    private final KafkaPublisher publisher;

    public KafkaOutput(String bootstrap, String topic, String host, Path spoolDir, long spoolBytes, Map<String, String> properties) throws IOException {
        this.host = host;
        this.publisher = new KafkaPublisher(bootstrap, topic, Alert.SCHEMA, "vigil-" + host, spoolDir, spoolBytes, properties);
    }

    @Override
    public String name() { return "kafka"; }

    @Override
    public void send(Alert a) {
        publisher.publish(host, AlertJson.line(a));
    }

    @Override
    public String repairedAtStart() { return publisher.spoolRepaired() == null ? "" : "alert spool " + publisher.spoolRepaired(); }

    /** The last error of the sender or the spool, or "". */
    public String lastError() { return publisher.lastError(); }

    @Override
    public Map<String, Long> counts() { return publisher.counts(); }

    @Override
    public void close() { publisher.close(); }
}
