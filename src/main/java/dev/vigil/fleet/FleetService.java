package dev.vigil.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The fleet service: consumes the agents' profile events (a consumer group, so several
 * instances share the partitions; the events are keyed by workload, so one workload's
 * events reach one instance), merges them per workload ({@link FleetProfile}: an item is
 * normal fleet-wide once k hosts learnt it, or an operator allowed it; an item alerted on
 * hosts is kept apart and never made normal by them), and publishes
 * each changed workload's merged profile, signed with the fleet's Ed25519 key, to the
 * compacted topic vigil.profiles (keyed by workload), at most once a second per workload
 * while events keep coming (a burst of reports becomes one signed document, not one per
 * poll) and at once when they stop. Offsets are committed after the
 * documents they led to were acknowledged, so a restart resumes from there; at start the
 * merged state is rebuilt from vigil.profiles itself (the latest document of each workload
 * holds every report), and reports are sets, so an event read twice counts once.
 * Not thread-safe: one thread runs it.
 */
public final class FleetService implements AutoCloseable {
    public static final String EVENTS = dev.vigil.profile.ProfileEvents.TOPIC, PROFILES = dev.vigil.profile.ProfileEvents.FLEET_TOPIC, GROUP = "vigil-fleet";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where and how: brokers, consumer group, topics, k, extra client settings (TLS, SASL). */
    public record Settings(String bootstrap, String group, String eventsTopic, String profilesTopic, int k, Map<String, String> properties) {
        public Settings {
            if (k < 1) throw new IllegalArgumentException("k must be at least 1");
            properties = Map.copyOf(properties);
        }

        public static Settings of(String bootstrap, int k) {
            return new Settings(bootstrap, GROUP, EVENTS, PROFILES, k, Map.of());
        }
    }

    private final Settings s;
    private final Signer signer;
    /** Whose signature makes an "allowed" event count: the operators' public keys (by default the fleet's own). */
    private final List<Signer> operators;
    private final PrintStream log;
    private final Map<String, FleetProfile> profiles = new HashMap<>();
    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private volatile long events, invalid, published, refusedAllows; // written by the service's thread only; read by metrics
    private volatile int workloads;
    /** Workloads changed since their last document; published together with the offsets that led to them. */
    private final Set<String> pending = new LinkedHashSet<>();
    private long lastPublish;
    private boolean uncommitted;
    static final Duration PUBLISH_EVERY = Duration.ofSeconds(1);

    /** A service whose allows must be signed with the fleet's own key. */
    public FleetService(Settings s, Signer signer, PrintStream log) { this(s, signer, List.of(signer), log); }

    /** operators: the keys whose signature makes an "allowed" event count (vigil fleet allow --key signs them). */
    public FleetService(Settings s, Signer signer, List<Signer> operators, PrintStream log) {
        if (operators.isEmpty()) throw new IllegalArgumentException("at least one operator key");
        this.s = s;
        this.signer = signer;
        this.operators = List.copyOf(operators);
        this.log = log;
        ensureTopics();
        restore();
        Properties c = client();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, s.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(s.eventsTopic()));
        Properties p = client();
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        lastPublish = System.nanoTime();
    }

    private Properties client() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.putAll(s.properties());
        return p;
    }

    /** The two topics, created when missing: the events topic with 6 partitions, the profiles topic compacted. */
    private void ensureTopics() {
        Properties ap = client();
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(ap)) {
            int brokers = admin.describeCluster().nodes().get(20, java.util.concurrent.TimeUnit.SECONDS).size();
            short rf = (short) Math.min(3, brokers);
            for (NewTopic t : List.of(new NewTopic(s.eventsTopic(), 6, rf),
                    new NewTopic(s.profilesTopic(), 6, rf).configs(Map.of("cleanup.policy", "compact")))) {
                try {
                    admin.createTopics(List.of(t)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException("creating topic " + t.name() + ": " + e.getCause().getMessage());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the brokers at " + s.bootstrap() + " did not answer: " + e.getCause().getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the brokers at " + s.bootstrap() + " did not answer within 20 s");
        }
    }

    /** Rebuilds the merged state from the latest verified document of each workload in the profiles topic. */
    private void restore() {
        int[] docs = {0};
        readAll(client(), s.profilesTopic(), r -> {
            if (r.value() == null) {
                profiles.remove(r.key());
                return;
            }
            try {
                FleetDocument.Read d = FleetDocument.read(r.value(), signer);
                profiles.put(d.profile().workload(), d.profile());
                docs[0]++;
            } catch (FleetDocument.InvalidException e) {
                invalid++;
                log.println("vigil fleet: ignored a document of " + r.key() + " in " + s.profilesTopic() + ": " + e.getMessage());
            }
        });
        workloads = profiles.size();
        log.printf("vigil fleet: restored %d workload profiles from %d documents in %s%n", profiles.size(), docs[0], s.profilesTopic());
    }

    /** Hands each record of every partition of topic, from its start to where it ended when this began, to each (clients: the consumer's settings). */
    public static void readAll(Properties clients, String topic, java.util.function.Consumer<ConsumerRecord<String, String>> each) {
        try (var c = new KafkaConsumer<>(clients, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) c.poll(Duration.ofMillis(500)).forEach(each);
        }
    }

    /**
     * Takes in one poll's events; publishes the workloads changed since the last publication and commits the offsets
     * read when a second has passed since then or the poll found nothing new. The number of events taken in.
     */
    public int pollOnce(Duration timeout) throws InterruptedException, ExecutionException {
        var records = consumer.poll(timeout);
        for (ConsumerRecord<String, String> r : records) {
            events++;
            JsonNode e;
            try {
                e = JSON.readTree(r.value());
            } catch (Exception ex) {
                invalid++;
                continue;
            }
            String w = e.path("workload").asText(""), d = e.path("dimension").asText(""), item = e.path("item").asText(""), host = e.path("host").asText("");
            String verdict = e.path("verdict").asText("");
            boolean state = verdict.equals("state");
            if (w.isEmpty() || d.isEmpty() || item.isEmpty() != state || host.isEmpty() || !e.path("schema").asText().startsWith("vigil.profile-event/")) {
                invalid++;
                continue;
            }
            if (state && !e.path("state").asText().equals("stable")) continue; // unstable or full on that host: nothing to merge
            if (verdict.equals("allowed")) {
                String who = operator(e);
                if (who == null) {
                    if (refusedAllows++ < 10 || refusedAllows % 1000 == 0) { // anyone who can write the topic can send these: a line, not a flood
                        log.println("vigil fleet: refused an allow of " + dev.vigil.alert.Escape.text(item) + " in " + dev.vigil.alert.Escape.text(w) + " (" + d
                                + ") from partition " + r.partition() + " offset " + r.offset() + ": not signed by an operator key (" + refusedAllows
                                + " refused so far)");
                    }
                    continue;
                }
            }
            FleetProfile p = profiles.computeIfAbsent(w, FleetProfile::new);
            boolean news = state ? p.stable(d, host, s.k()) : switch (verdict) {
                case "allowed" -> p.allow(d, item);
                case "version" -> p.imageVersion(item); // a forged one can only make agents stricter: a version they know is not relearnt
                case "novel", "warmup" -> p.novel(d, item, host, s.k()); // learnt in a warm-up after a start: never normal fleet-wide by it
                default -> p.report(d, item, host, s.k());
            };
            if (news) pending.add(w);
        }
        if (!records.isEmpty()) uncommitted = true;
        if (records.isEmpty() || System.nanoTime() - lastPublish >= PUBLISH_EVERY.toNanos()) flush();
        return records.count();
    }

    /** The fingerprint of the operator key whose signature the allowed event carries, or null when none verifies it. */
    private String operator(JsonNode e) {
        String sig = e.path("signature").asText("");
        if (sig.isEmpty()) return null;
        byte[] raw;
        try {
            raw = java.util.Base64.getDecoder().decode(sig);
        } catch (IllegalArgumentException bad) {
            return null;
        }
        byte[] data = allowBytes(e.path("workload").asText(), e.path("dimension").asText(), e.path("item").asText(), e.path("time").asText());
        for (Signer op : operators) if (op.verify(data, raw)) return op.fingerprint();
        return null;
    }

    /** What an operator signs for an allow: its workload, dimension, item and time, as one unambiguous JSON array. */
    static byte[] allowBytes(String workload, String dimension, String item, String time) {
        try {
            return JSON.writeValueAsBytes(List.of("vigil.allow/1", workload, dimension, item, time));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes the workloads changed since the last publication, waits for the brokers' acknowledgement, then commits what was read. */
    public void flush() throws InterruptedException, ExecutionException {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (String w : pending) {
            FleetProfile p = profiles.get(w);
            p.version(p.version() + 1);
            acks.add(producer.send(new ProducerRecord<>(s.profilesTopic(), w, FleetDocument.write(p, s.k(), signer))));
        }
        producer.flush();
        for (var f : acks) f.get();
        published += pending.size();
        workloads = profiles.size();
        pending.clear();
        if (uncommitted) consumer.commitSync();
        uncommitted = false;
        lastPublish = System.nanoTime();
    }


    /**
     * An operator's allow: an event with verdict "allowed" (host "operator") for one item of one workload, signed with the
     * operator's key, published to the events topic and acknowledged; every fleet instance that trusts that key then treats
     * the item as normal fleet-wide (an allowed event no operator key verifies is refused and counted).
     */
    public static void allow(Settings s, Signer operator, String workload, String dimension, String item) throws InterruptedException, ExecutionException {
        if (!dev.vigil.profile.WorkloadProfile.isDimension(dimension)) {
            throw new IllegalArgumentException("unknown dimension '" + dimension + "' (" + dev.vigil.profile.WorkloadProfile.dimensionsText() + ")");
        }
        String time = java.time.Instant.now().toString();
        String signature = java.util.Base64.getEncoder().encodeToString(operator.sign(allowBytes(workload, dimension, item, time)));
        String v = JSON.createObjectNode().put("schema", "vigil.profile-event/1").put("host", "operator").put("workload", workload).put("dimension", dimension)
                .put("item", item).put("verdict", "allowed").put("state", "").put("time", time).put("key", operator.fingerprint())
                .put("signature", signature).toString();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.putAll(s.properties());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        try (var prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            prod.send(new ProducerRecord<>(s.eventsTopic(), workload, v)).get();
        }
    }

    /** The latest record of each workload in the profiles topic, as the brokers hold it now (key to value; a removed workload is absent). */
    public static Map<String, ConsumerRecord<String, String>> latest(Settings s) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.putAll(s.properties());
        Map<String, ConsumerRecord<String, String>> out = new java.util.TreeMap<>();
        readAll(p, s.profilesTopic(), r -> {
            if (r.value() == null) out.remove(r.key());
            else out.put(r.key(), r);
        });
        return out;
    }

    /** Serves the service's counters: events merged or invalid, documents published, workloads, and the consumer's lag. */
    public void register(dev.vigil.alert.Metrics m) {
        m.counter("vigil_fleet_events", "Profile events read: merged, invalid (not a vigil.profile-event), or refused (an allow no operator key signed)",
                        "result", () -> Map.of("merged", events - invalid - refusedAllows, "invalid", invalid, "refused", refusedAllows))
                .counter("vigil_fleet_documents_published", "Signed merged profiles published to the profiles topic", () -> published)
                .gauge("vigil_fleet_workloads", "Workloads with a merged profile", () -> workloads)
                .gauge("vigil_fleet_events_lag", "Profile events not read yet in the most behind partition this instance reads (the consumer's records-lag-max)",
                        () -> consumer.metrics().entrySet().stream().filter(e -> e.getKey().name().equals("records-lag-max")
                                && e.getKey().group().equals("consumer-fetch-manager-metrics") && !e.getKey().tags().containsKey("topic"))
                                .mapToDouble(e -> e.getValue().metricValue() instanceof Number n ? n.doubleValue() : Double.NaN).findFirst().orElse(Double.NaN));
    }

    /** The workloads merged so far. */
    public Set<String> workloads() { return java.util.Collections.unmodifiableSet(profiles.keySet()); }

    /** The merged profile of a workload, or null. */
    public FleetProfile profile(String workload) { return profiles.get(workload); }

    public Map<String, Long> counts() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("events", events);
        m.put("invalid", invalid);
        m.put("refused_allows", refusedAllows);
        m.put("published", published);
        m.put("workloads", (long) profiles.size());
        return m;
    }

    /** Publishes and commits what is pending (when the brokers answer), then closes. */
    @Override
    public void close() {
        try {
            flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            log.println("vigil fleet: at close, the last documents were not published (their events will be read again): " + e.getMessage());
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}
