package dev.vigil.fleet;

import dev.vigil.alert.Alert;
import dev.vigil.profile.WorkloadKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The agent's side of the fleet: reads the compacted topic of merged profiles (every
 * partition, from the start, then as documents come; no consumer group: every agent reads
 * everything), verifies each document with the fleet's public key and hands the verified
 * ones to the agent's thread ({@link #imports}) to be merged into its profiles; a document
 * that fails verification (tampered with, signed by another key, or published under
 * another workload's key) is not imported and becomes a high-severity alert
 * ({@link #rejections}). One thread of its own; the queues are thread-safe.
 */
public final class FleetSubscriber implements AutoCloseable {
    public static final String DETECTOR = "fleet";

    /** A verified merged profile: its workload, version, the items normal fleet-wide per dimension and the dimensions learnt fleet-wide. */
    public record Import(WorkloadKey key, long version, Map<String, Set<String>> normal, Set<String> learnt, java.util.List<String> imageVersions) {
        public Import(WorkloadKey key, long version, Map<String, Set<String>> normal, Set<String> learnt) {
            this(key, version, normal, learnt, java.util.List.of());
        }
    }

    private final String topic, host;
    private final Signer verifier;
    private final KafkaConsumer<String, String> consumer;
    private final ConcurrentLinkedQueue<Import> imports = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Alert> rejections = new ConcurrentLinkedQueue<>();
    /**
     * The version and text of the latest document imported per workload: an older one replayed is a rollback (read on the
     * subscriber's thread). After a restart only the versions are known (the file): the document of the saved version is
     * imported again, an older one is a rollback.
     */
    private final Map<String, Long> importedVersion = new java.util.HashMap<>();
    private final Map<String, String> importedText = new java.util.HashMap<>();
    private final java.nio.file.Path versionsFile;
    private boolean versionsChanged;
    private long versionsSaved;
    private final Thread thread;
    private volatile boolean closing;
    private volatile String lastError = "";
    private volatile long verified, rejected;
    private final java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);

    public FleetSubscriber(String bootstrap, String topic, Signer verifier, Map<String, String> properties, String host) {
        this(bootstrap, topic, verifier, properties, host, null);
    }

    /**
     * versions: the file that keeps the latest version imported per workload across restarts (null: in memory only), so
     * that an older signed document the topic's compaction left as the only one is still a rollback after a restart.
     */
    public FleetSubscriber(String bootstrap, String topic, Signer verifier, Map<String, String> properties, String host, java.nio.file.Path versions) {
        this.topic = topic;
        this.host = host;
        this.verifier = verifier;
        this.versionsFile = versions;
        if (versions != null) loadVersions();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-" + host + "-fleet");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putAll(properties);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        this.thread = Thread.ofPlatform().name("vigil-fleet-subscriber").daemon().start(this::run);
    }

    private void run() {
        try {
            List<TopicPartition> parts = List.of();
            while (!closing && parts.isEmpty()) {
                try {
                    parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    lastError = "no answer from the brokers about " + topic;
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (!closing) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null) take(r);
                }
                if (versionsChanged && System.nanoTime() - versionsSaved >= 1_000_000_000L) saveVersions();
                if (caughtUp.getCount() > 0 && parts.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) caughtUp.countDown();
            }
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (versionsChanged) saveVersions();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static final String VERSIONS_FORMAT = "vigil-fleet-versions/1";
    /** The versions' file in the agent's state folder. */
    public static final String VERSIONS_FILE = "fleet-versions.json";

    /** The versions imported before a restart; a file that cannot be read is an alert, and the check starts empty. */
    private void loadVersions() {
        if (!java.nio.file.Files.exists(versionsFile)) return;
        try {
            var root = JSON.readTree(java.nio.file.Files.readAllBytes(versionsFile));
            if (root == null || !VERSIONS_FORMAT.equals(root.path("format").asText())) throw new java.io.IOException("not a " + VERSIONS_FORMAT + " file");
            root.path("versions").properties().forEach(e -> importedVersion.put(e.getKey(), e.getValue().asLong()));
        } catch (java.io.IOException | RuntimeException e) {
            importedVersion.clear();
            rejections.add(Alert.builder("coverage", "coverage").time(Instant.now()).host(host).severity(Alert.Severity.HIGH)
                    .summary("vigil cannot read " + versionsFile + " (" + e.getMessage() + "): the fleet documents' versions imported before this start are"
                            + " forgotten, so an older signed document replayed is not recognised as a rollback until each workload's next document")
                    .evidence("source", "state").evidence("file", versionsFile.toString()).evidence("reason", String.valueOf(e.getMessage()))
                    .dedupKey("coverage|state|" + versionsFile).build());
        }
    }

    private void saveVersions() {
        var root = JSON.createObjectNode().put("format", VERSIONS_FORMAT);
        var v = root.putObject("versions");
        new java.util.TreeMap<>(importedVersion).forEach(v::put);
        try {
            java.nio.file.Path dir = versionsFile.toAbsolutePath().getParent();
            if (dir != null) java.nio.file.Files.createDirectories(dir);
            dev.vigil.store.AtomicFile.write(versionsFile, java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(root)));
            versionsChanged = false;
        } catch (java.io.IOException e) {
            lastError = "cannot save " + versionsFile + ": " + e.getMessage();
        }
        versionsSaved = System.nanoTime();
    }

    private void take(ConsumerRecord<String, String> r) {
        String why;
        try {
            FleetDocument.Read d = FleetDocument.read(r.value(), verifier);
            long version = d.profile().version();
            Long last = importedVersion.get(r.key());
            if (!d.profile().workload().equals(r.key())) {
                why = "it was published under the key of another workload (" + d.profile().workload() + ")";
            } else if (last != null && version == last && r.value().equals(importedText.get(r.key()))) {
                return; // the same document delivered again
            } else if (last != null && (version < last || version == last && importedText.containsKey(r.key()))) {
                why = "its version " + version + " is not newer than version " + last + " already imported: an older signed document replayed (a rollback)";
            } else {
                importedVersion.put(r.key(), version);
                importedText.put(r.key(), r.value());
                versionsChanged = versionsFile != null;
                imports.add(new Import(WorkloadKey.parse(r.key()), version, d.normal(), d.learnt(), d.profile().imageVersions()));
                verified++;
                return;
            }
        } catch (FleetDocument.InvalidException e) {
            why = e.getMessage();
        }
        rejected++;
        rejections.add(Alert.builder(DETECTOR, "anomaly").time(Instant.now()).host(host).severity(Alert.Severity.HIGH)
                .summary("the fleet profile of " + r.key() + " (" + topic + " partition " + r.partition() + " offset " + r.offset() + ") failed verification: "
                        + why + "; it was not imported")
                .evidence("workload", String.valueOf(r.key())).evidence("topic", topic).evidence("partition", r.partition()).evidence("offset", r.offset())
                .evidence("reason", why).dedupKey("fleet:" + r.key()).build());
    }

    /**
     * Merges a verified fleet profile into the local set: each item normal fleet-wide is allowed in its workload's
     * dimension (created when new), and a dimension learnt fleet-wide that is still learning here becomes stable (a new
     * replica protects from its first minute instead of learning again); returns how many items were new here. The
     * image versions the fleet's profile was learnt on become known here (a container of one of them is not relearnt),
     * and a profile relearning an image version the fleet has not heard of stays learning: the fleet's stable
     * dimensions were learnt on older versions, and the new version's new behaviour is not an attack. Call on the
     * thread that owns the set.
     */
    public static int merge(dev.vigil.profile.ProfileSet set, Import im, dev.vigil.profile.Dimension.Learning learning, Instant now) {
        var p = set.get(im.key(), false);
        if (p == null) return 0;
        int added = 0;
        for (var e : im.normal().entrySet()) {
            var d = p.dimension(e.getKey(), learning, now);
            for (String item : e.getValue()) if (d.allow(item, now)) added++;
        }
        boolean newerHere = !p.versions().isEmpty() && !im.imageVersions().isEmpty() && !im.imageVersions().contains(p.versions().getLast());
        if (p.versions().isEmpty()) im.imageVersions().forEach(p::addVersion); // none of its own yet: the fleet's, in order
        else for (String v : im.imageVersions()) p.knownVersion(v);
        if (!newerHere) for (String dim : im.learnt()) p.dimension(dim, learning, now).adoptStable(now, "the fleet's profile");
        return added;
    }

    /**
     * Waits until every document that was in the topic when this subscriber started has been read (verified or
     * rejected); false when that took longer than timeout.
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Verified documents since the last call, in the order read. */
    public List<Import> imports() {
        List<Import> out = new ArrayList<>();
        for (Import i; (i = imports.poll()) != null; ) out.add(i);
        return out;
    }

    /** Alerts about documents that failed verification since the last call. */
    public List<Alert> rejections() {
        List<Alert> out = new ArrayList<>();
        for (Alert a; (a = rejections.poll()) != null; ) out.add(a);
        return out;
    }

    public Map<String, Long> counts() { return Map.of("verified", verified, "rejected", rejected); }

    public String lastError() { return lastError; }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
    }
}
