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
 * Keyed JSON records published to one Kafka topic through a {@link Spool} on disk, so the
 * caller never waits on the network: {@link #publish} appends the record to the spool
 * (bounded: a record that finds it full is dropped and counted) and one sender thread
 * produces what is spooled, in order, in batches, with an idempotent producer (acks=all),
 * committing a batch only when every record of it was acknowledged. While the brokers are
 * unreachable a batch is retried with a growing pause (1 s doubling to 30 s) and the spool
 * fills, so nothing is lost up to its size, across restarts too (a crash between an
 * acknowledgement and its commit publishes those records again). Every record carries a
 * header {@code schema}. Any producer setting (TLS, SASL) comes through properties. Close
 * tries for up to 5 s to deliver what is spooled. Thread-safe.
 */
public final class KafkaPublisher implements AutoCloseable {
    private static final int BATCH = 500;
    private final String topic;
    private final byte[] schema;
    private final Spool spool;
    private final Properties props;
    /** Null until the brokers' names resolve (a DNS not up yet at boot): records are spooled meanwhile. Written by the constructor, then the sender. */
    private volatile KafkaProducer<String, String> producer;
    private final AtomicLong sent = new AtomicLong(), failed = new AtomicLong(), dropped = new AtomicLong(), batches = new AtomicLong();
    private final Thread sender;
    private volatile boolean closing;
    private volatile String lastError = "";

    public KafkaPublisher(String bootstrap, String topic, String schema, String clientId, Path spoolDir, long spoolBytes, Map<String, String> properties)
            throws IOException {
        this.topic = topic;
        this.schema = schema.getBytes(StandardCharsets.UTF_8);
        this.spool = new Spool(spoolDir, spoolBytes);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        p.putAll(properties);
        this.props = p;
        try {
            this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        } catch (org.apache.kafka.common.KafkaException e) {
            if (!unresolvable(e)) {
                spool.close();
                throw new IllegalArgumentException("kafka: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
            }
            // a transient cause at boot (the resolver is not up yet): spool, and let the sender try again, instead of exiting
            this.producer = null;
            lastError = "the brokers' names do not resolve (yet): " + bootstrap;
        }
        this.sender = Thread.ofPlatform().name("vigil-kafka-" + topic).daemon().start(this::run);
    }

    private static boolean unresolvable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No resolvable bootstrap urls")) return true;
        }
        return false;
    }

    /** Spools one record (key: no tab or newline; value: one line); false when the spool is full and it was dropped. */
    public boolean publish(String key, String value) {
        if (key.indexOf('\t') >= 0 || key.indexOf('\n') >= 0 || value.indexOf('\n') >= 0) throw new IllegalArgumentException("a tab or newline in a record");
        try {
            if (spool.add(key + "\t" + value)) return true;
        } catch (IOException e) {
            lastError = "spool: " + e.getMessage();
        }
        dropped.incrementAndGet();
        return false;
    }

    /** The sender's pause before its next try: 1 s, doubling to 30 s; back to 1 s after a batch went through. */
    private long pause = 1000;

    /** Waits the pause and doubles it; false when closing or interrupted (the sender stops). */
    private boolean backOff() {
        if (closing) return false;
        try {
            Thread.sleep(pause);
        } catch (InterruptedException ie) {
            return false;
        }
        pause = Math.min(30_000, pause * 2);
        return true;
    }

    private void run() {
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
            if (producer == null) {
                try {
                    producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
                } catch (org.apache.kafka.common.KafkaException e) {
                    lastError = "the brokers' names do not resolve (yet): " + props.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
                    if (!backOff()) return;
                    continue;
                }
            }
            try {
                List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
                for (String line : batch) {
                    int tab = line.indexOf('\t');
                    ProducerRecord<String, String> r = new ProducerRecord<>(topic, line.substring(0, tab), line.substring(tab + 1));
                    r.headers().add("schema", schema);
                    Future<RecordMetadata> f = producer.send(r);
                    if (f.isDone()) f.get(); // failed at once (no metadata within max.block.ms): the rest of the batch would wait as long
                    acks.add(f);
                }
                producer.flush();
                for (Future<RecordMetadata> f : acks) f.get();
                // counted before the spool lets go of it: whoever sees the spool empty sees every record of it counted
                sent.addAndGet(batch.size());
                batches.incrementAndGet();
                spool.commit(batch);
                pause = 1000;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failed.addAndGet(batch.size());
                Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
                lastError = c.getClass().getSimpleName() + ": " + c.getMessage();
                if (!backOff()) return;
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

    /** What the spool repaired at start (an unreadable position), or null. */
    public String spoolRepaired() { return spool.repaired(); }

    /** The last error of the sender or the spool, or "". */
    public String lastError() { return lastError; }

    /** sent, failed (records of batches that failed, retried), dropped (never spooled), batches, spooled_bytes. */
    public Map<String, Long> counts() {
        return Map.of("sent", sent.get(), "failed", failed.get(), "dropped", dropped.get(), "batches", batches.get(), "spooled_bytes", pendingBytes());
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
        KafkaProducer<String, String> pr = producer;
        if (pr != null) pr.close(Duration.ofSeconds(2));
        try {
            spool.close();
        } catch (IOException ignored) {
            // nothing more to keep
        }
    }
}
