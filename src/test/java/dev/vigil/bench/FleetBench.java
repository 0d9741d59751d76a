package dev.vigil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.KafkaOutput;
import dev.vigil.alert.ProcessRef;
import dev.vigil.fleet.FleetService;
import dev.vigil.fleet.Signer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * How many profile events one fleet instance merges a second. An in-process KRaft broker on
 * loopback; HOSTS simulated agents running the same WORKLOADS services each report ITEMS
 * items per workload (80 % of them common to the fleet, 20 % their own), produced up front
 * into vigil.profile-events (6 partitions, keyed by workload); then one `FleetService`
 * consumes them all, merges and publishes the signed merged profiles, timed from its start
 * to the last event, with its CPU. From the rate, on paper, what a fleet of 10,000 hosts needs.
 * Then alerts: what one agent's Kafka output delivers a second (spool on disk, then the
 * idempotent producer), and what one reader of vigil.alerts takes a second once the simulated
 * agents' alerts (100 each, keyed by host) are in the topic.
 * Usage: bench/fleet.sh [hosts=1000] [workloads=20] [items=50]
 */
public final class FleetBench {
    /** A profile alert as the agent writes them: process, command line, ancestry, evidence (about 1.4 KB of JSON). */
    static Alert alert(int host, int i) {
        var proc = new ProcessRef(40_000 + i % 20_000, 40_000 + i % 20_000, 1544, 33, "cat", "/usr/bin/cat", List.of("cat", "/etc/shadow"),
                "/system.slice/webapp.service", "webapp.service", dev.vigil.alert.ContainerRef.NONE);
        return Alert.builder("profile", "anomaly").time(Instant.parse("2026-11-24T00:00:00Z").plusMillis(i)).host(String.format("web-%04d", host))
                .severity(Alert.Severity.HIGH)
                .summary("vigil-webapp (webapp.service) ran /usr/bin/cat /etc/shadow from /usr/bin/dash (pid 1544) — never seen in 1d 0h of learning "
                        + "(stable since 2026-11-23T00:00:00Z). It also, never seen before: read /etc/shadow; made its first fadvise64 system call")
                .process(proc).ancestry(List.of(new ProcessRef.Ancestor(1544, "sh", "/usr/bin/dash"), new ProcessRef.Ancestor(812, "vigil-webapp",
                        "/srv/webapp/vigil-webapp"), new ProcessRef.Ancestor(1, "systemd", "/usr/lib/systemd/systemd")))
                .evidence("dimension", "process").evidence("item", "/usr/bin/dash -> /usr/bin/cat /etc/shadow").evidence("action", "ran /usr/bin/cat /etc/shadow")
                .evidence("workload", "systemd:webapp.service vigil-webapp").evidence("learnt_items", 10).evidence("learning", "1d 0h")
                .evidence("allow", "vigil workloads allow 'systemd:webapp.service vigil-webapp' process '/usr/bin/dash -> /usr/bin/cat /etc/shadow'")
                .profile("systemd:webapp.service vigil-webapp", "stable").dedupKey("profile|" + host + "|" + i).build();
    }

    static void alerts(String bootstrap, int hosts, Path dir, com.sun.management.OperatingSystemMXBean os) throws Exception {
        int one = 200_000;
        long cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
        try (KafkaOutput out = new KafkaOutput(bootstrap, "vigil.alerts.one", "web-0001", dir.resolve("spool"), 1L << 30, Map.of())) {
            for (int i = 0; i < one; i++) out.send(alert(1, i));
            while (out.counts().get("sent") < one) Thread.sleep(5);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "one agent's Kafka output: %,d alerts (%,d bytes of JSON each) spooled and delivered in %.1f s: %,.0f alerts a second, "
                + "%.2f cores (broker included)%n", one, AlertJson.line(alert(1, 0)).length(), secs, one / secs, (os.getProcessCpuTime() - cpu0) / 1e9 / secs);
        long total = hosts * 100L;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (var prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < total; i++) {
                int h = i % hosts;
                prod.send(new ProducerRecord<>("vigil.alerts", String.format("web-%04d", h), AlertJson.line(alert(h, i))));
            }
            prod.flush();
        }
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("max.poll.records", "5000");
        long read = 0;
        cpu0 = os.getProcessCpuTime();
        t0 = System.nanoTime();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(c, new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer())) {
            var parts = consumer.partitionsFor("vigil.alerts", Duration.ofSeconds(30)).stream()
                    .map(x -> new org.apache.kafka.common.TopicPartition("vigil.alerts", x.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (read < total) for (var r : consumer.poll(Duration.ofMillis(500))) {
                AlertJson.parse(r.value()); // read as a consumer of the alert schema would
                read++;
            }
        }
        secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "one reader of vigil.alerts: %,d alerts of %,d simulated agents read and parsed in %.1f s: %,.0f alerts a second, %.2f cores%n",
                read, hosts, secs, read / secs, (os.getProcessCpuTime() - cpu0) / 1e9 / secs);
    }

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1000, workloads = args.length > 1 ? Integer.parseInt(args[1]) : 20,
                items = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        long total = (long) hosts * workloads * items;
        Path dir = Files.createTempDirectory("vigil-fleet-bench");
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        try (KafkaClusterTestKit k = dev.vigil.demo.LocalBroker.start()) {
            Signer signer = Signer.generate(dir);
            FleetService.Settings s = FleetService.Settings.of(k.bootstrapServers(), 2);
            new FleetService(s, signer, quiet).close(); // creates the topics
            ObjectMapper json = new ObjectMapper();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
            long t0 = System.nanoTime();
            Random rnd = new Random(42);
            try (var prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int h = 0; h < hosts; h++) {
                    for (int w = 0; w < workloads; w++) {
                        String key = "systemd:svc-" + w + ".service /usr/bin/svc-" + w;
                        for (int i = 0; i < items; i++) {
                            String item = i < items * 8 / 10 ? "read /srv/svc-" + w + "/file-" + i : "read /srv/svc-" + w + "/host-" + h + "-" + i;
                            String v = json.createObjectNode().put("schema", "vigil.profile-event/1").put("host", "host-" + h).put("workload", key)
                                    .put("dimension", "files").put("item", item).put("verdict", "learnt").put("state", "learning")
                                    .put("time", "2026-11-24T00:00:00Z").toString();
                            prod.send(new ProducerRecord<>(FleetService.EVENTS, key, v));
                        }
                    }
                }
                prod.flush();
            }
            double produceS = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "produced %,d profile events of %,d simulated hosts in %.1f s (%,.0f a second, one producer)%n", total, hosts, produceS,
                    total / produceS);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            t0 = System.nanoTime();
            try (FleetService f = new FleetService(s, signer, quiet)) {
                while (f.counts().get("events") < total) f.pollOnce(Duration.ofMillis(500));
                f.flush(); // the last documents published and the offsets committed
                double secs = (System.nanoTime() - t0) / 1e9, cores = (os.getProcessCpuTime() - cpu0) / 1e9 / secs;
                Map<String, Long> c = f.counts();
                double rate = total / secs;
                System.out.printf(Locale.ROOT, "one fleet instance: %,d events merged in %.1f s: %,.0f events a second; %,d signed profiles published; "
                        + "the JVM (broker included) used %.2f cores%n", c.get("events"), secs, rate, c.get("published"), cores);
                // on paper: 10,000 hosts each reporting its whole profile at once (a fleet restarted together) and in a steady day
                long burst = 10_000L * workloads * items;
                System.out.printf(Locale.ROOT, "on paper, 10,000 hosts x %d workloads x %d items = %,d events: %.0f s for one instance to take in a fleet-wide "
                        + "restart of every agent with empty profiles; the 6 partitions let 6 instances share it (%.0f s)%n", workloads, items, burst, burst / rate,
                        burst / rate / 6);
            }
            alerts(k.bootstrapServers(), hosts, dir, os);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }
}
