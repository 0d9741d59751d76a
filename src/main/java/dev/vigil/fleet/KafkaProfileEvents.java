package dev.vigil.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.KafkaPublisher;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileEvents;
import dev.vigil.profile.WorkloadKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Profile events published to Kafka (default topic {@code vigil.profile-events}), one JSON
 * record per new item, keyed by the workload key (so one workload's events keep their
 * order in one partition), schema {@value #SCHEMA}:
 * {@code {"schema", "host", "workload", "dimension", "item", "verdict": "learnt"|"novel"|"warmup",
 * "state": "learning"|"stable", "time"}}; when a dimension's learning ended here, the same
 * with verdict "state", no item and the state it reached ("stable", "unstable", "at max
 * size"). Through a {@link KafkaPublisher} and its own spool.
 * Thread-safe.
 */
public final class KafkaProfileEvents implements ProfileEvents, AutoCloseable {
    public static final String SCHEMA = "vigil.profile-event/1", DEFAULT_TOPIC = dev.vigil.profile.ProfileEvents.TOPIC;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String host;
    private final KafkaPublisher publisher;

    public KafkaProfileEvents(String bootstrap, String topic, String host, Path spoolDir, long spoolBytes, Map<String, String> properties) throws IOException {
        this.host = host;
        this.publisher = new KafkaPublisher(bootstrap, topic, SCHEMA, "vigil-" + host + "-profiles", spoolDir, spoolBytes, properties);
    }

    /** One event as its JSON line. */
    static String line(String host, WorkloadKey key, String dimension, String item, Dimension.Verdict verdict, Dimension.State state, Instant time) {
        return JSON.createObjectNode().put("schema", SCHEMA).put("host", host).put("workload", key.text()).put("dimension", dimension).put("item", item)
                .put("verdict", verdict.name().toLowerCase(Locale.ROOT)).put("state", state.name().toLowerCase(Locale.ROOT)).put("time", time.toString())
                .toString();
    }

    @Override
    public void item(WorkloadKey key, String dimension, String item, Dimension.Verdict verdict, Dimension.State state, Instant time) {
        publisher.publish(key.text().replace('\t', ' ').replace('\n', ' '), line(host, key, dimension, item, verdict, state, time));
    }

    @Override
    public void state(WorkloadKey key, String dimension, Dimension.State state, Instant time) {
        publisher.publish(key.text().replace('\t', ' ').replace('\n', ' '), stateLine(host, key, dimension, state, time));
    }

    /** A dimension's end of learning as its JSON line: verdict "state", no item. */
    static String stateLine(String host, WorkloadKey key, String dimension, Dimension.State state, Instant time) {
        return JSON.createObjectNode().put("schema", SCHEMA).put("host", host).put("workload", key.text()).put("dimension", dimension).put("item", "")
                .put("verdict", "state").put("state", state.label()).put("time", time.toString()).toString();
    }

    @Override
    public void version(WorkloadKey key, String digest, Instant time) {
        publisher.publish(key.text().replace('\t', ' ').replace('\n', ' '), versionLine(host, key, digest, time));
    }

    /** An image version event as its JSON line: verdict "version", dimension "image", the digest as the item. */
    static String versionLine(String host, WorkloadKey key, String digest, Instant time) {
        return JSON.createObjectNode().put("schema", SCHEMA).put("host", host).put("workload", key.text()).put("dimension", "image").put("item", digest)
                .put("verdict", "version").put("state", "").put("time", time.toString()).toString();
    }

    public Map<String, Long> counts() { return publisher.counts(); }

    /** What the spool repaired at start (an unreadable position), or null. */
    public String spoolRepaired() { return publisher.spoolRepaired(); }

    @Override
    public void close() { publisher.close(); }
}
