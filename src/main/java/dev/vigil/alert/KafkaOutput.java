package dev.vigil.alert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Alerts published to a Kafka topic (default {@code vigil.alerts}), one JSON record per
 * alert in the one alert schema, keyed by host (so one host's alerts keep their order in
 * one partition), with a header {@code schema: vigil.alert/1}. {@link #send} never blocks
 * on the network: the alert is appended to a {@link Spool} on disk, bounded by
 * {@code spoolBytes}; an alert that finds the spool full is dropped and counted. One sender
 * thread produces what is spooled, in order, in batches, with an idempotent producer
 * (acks=all), and commits a batch only when every record of it was acknowledged; while the
 * brokers are unreachable the batch is retried with a growing pause (1 s doubling to 30 s)
 * and the spool fills, so nothing is lost up to its size, across restarts of the agent too
 * (a crash between an acknowledgement and its commit sends those alerts again). TLS and
 * SASL come through {@code properties} (any producer setting, e.g. security.protocol,
 * ssl.truststore.location, sasl.mechanism, sasl.jaas.config). Close tries for up to 5 s
 * to deliver what is spooled. Thread-safe.
 */
public final class KafkaOutput implements AlertOutput {
    public static final String DEFAULT_TOPIC = "vigil.alerts";
    private static final int BATCH = 500;
    private final String topic, host;
    private final Spool spool;
    private final KafkaProducer<String, String> producer;
    private final Counts counts = new Counts();
    private final AtomicLong batches = new AtomicLong();
    private final Thread sender;
    private volatile boolean closing;
    private volatile String lastError = "";

    public KafkaOutput(String bootstrap, String topic, String host, Path spoolDir, long spoolBytes, Map<String, String> properties) throws IOException {
        this.topic = topic;
        this.host = host;
        this.spool = new Spool(spoolDir, spoolBytes);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-" + host);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        p.putAll(properties);
        try {
            this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        } catch (org.apache.kafka.common.KafkaException e) {
            spool.close();
            throw new IllegalArgumentException("kafka output: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        this.sender = Thread.ofPlatform().name("vigil-kafka").daemon().start(this::run);
    }

    @Override
    public String name() { return "kafka"; }

    @Override
    public void send(Alert a) {
        try {
            if (!spool.add(AlertJson.line(a))) counts.dropped.incrementAndGet();
        } catch (IOException e) {
            counts.dropped.incrementAndGet();
            lastError = "spool: " + e.getMessage();
        }
    }

    private void run() {
        long pause = 1000;
        while (true) {
            List<String> batch;
            try {
                batch = spool.peek(BATCH, 200);
            } catch (IOException e) {
                lastError = "spool: " + e.getMessage();
                return;
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) {
                if (closing) return;
                continue;
            }
            try {
                List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
                for (String line : batch) {
                    ProducerRecord<String, String> r = new ProducerRecord<>(topic, host, line);
                    r.headers().add("schema", Alert.SCHEMA.getBytes(StandardCharsets.UTF_8));
                    Future<RecordMetadata> f = producer.send(r);
                    if (f.isDone()) f.get(); // failed at once (no metadata within max.block.ms): the rest of the batch would wait as long
                    acks.add(f);
                }
                producer.flush();
                for (Future<RecordMetadata> f : acks) f.get();
                spool.commit(batch);
                counts.sent.addAndGet(batch.size());
                batches.incrementAndGet();
                pause = 1000;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                counts.failed.addAndGet(batch.size());
                Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
                lastError = c.getClass().getSimpleName() + ": " + c.getMessage();
                if (closing) return;
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    return;
                }
                pause = Math.min(30_000, pause * 2);
            }
        }
    }

    /** Bytes spooled and not yet acknowledged by the brokers. */
    public long pendingBytes() {
        try {
            return spool.pending();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The last error of the sender or the spool, or "". */
    public String lastError() { return lastError; }

    @Override
    public Map<String, Long> counts() {
        return Map.of("sent", counts.sent.get(), "failed", counts.failed.get(), "dropped", counts.dropped.get(), "batches", batches.get(),
                "spooled_bytes", pendingBytes());
    }

    @Override
    public void close() {
        closing = true;
        try {
            long end = System.nanoTime() + 5_000_000_000L;
            while (pendingBytes() > 0 && System.nanoTime() < end && sender.isAlive()) Thread.sleep(50);
            sender.interrupt();
            sender.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
        try {
            spool.close();
        } catch (IOException ignored) {
            // nothing more to keep
        }
    }
}
