package dev.vigil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.fleet.FleetService;
import dev.vigil.fleet.Signer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * How many profile events one fleet instance merges a second. An in-process KRaft broker on
 * loopback; HOSTS simulated agents running the same WORKLOADS services each report ITEMS
 * items per workload (80 % of them common to the fleet, 20 % their own), produced up front
 * into vigil.profile-events (6 partitions, keyed by workload); then one `FleetService`
 * consumes them all, merges and publishes the signed merged profiles, timed from its start
 * to the last event, with its CPU. From the rate, on paper, what a fleet of 10,000 hosts needs.
 * Usage: bench/fleet.sh [hosts=1000] [workloads=20] [items=50]
 */
public final class FleetBench {
    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1000, workloads = args.length > 1 ? Integer.parseInt(args[1]) : 20,
                items = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        long total = (long) hosts * workloads * items;
        Path dir = Files.createTempDirectory("vigil-fleet-bench");
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        try (KafkaClusterTestKit k = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1").setConfigProp("group.initial.rebalance.delay.ms", "0").build()) {
            k.format();
            k.startup();
            k.waitForReadyBrokers();
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
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }
}
