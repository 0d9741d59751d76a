package dev.vigil.cli;

import dev.vigil.fleet.FleetService;
import dev.vigil.fleet.Signer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fleet", mixinStandardHelpOptions = true, subcommands = {FleetCommand.Keygen.class, FleetCommand.Allow.class, FleetCommand.Show.class, FleetCommand.Demo.class},
        description = {"Merge the agents' workload profiles across hosts: consume their profile events",
                "(topic vigil.profile-events, a consumer group), make an item normal fleet-wide once k",
                "hosts learnt it (alerts never count) or an operator allowed it, and publish each workload's merged",
                "profile, signed with the fleet's Ed25519 key, to the compacted topic vigil.profiles.",
                "  vigil fleet demo          (the whole loop on this machine: no setup, no root)",
                "  vigil fleet keygen --out /etc/vigil/fleet",
                "  vigil fleet --bootstrap kafka-1:9093 --key /etc/vigil/fleet/fleet.key --k 2 \\",
                "      --property security.protocol=SSL --property ssl.truststore.location=/etc/vigil/ca.jks"})
final class FleetCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin KafkaClientOptions kafka;

    @Option(names = "--key", description = "The fleet's private key (fleet.key from vigil fleet keygen).")
    Path key;

    @Option(names = "--operator-key", paramLabel = "FILE", description = {"An operator's public key (NAME.pub from vigil fleet keygen --name NAME), repeatable:",
            "an allow counts only when one of them signed it (default: the fleet's own key, fleet.pub beside --key)."})
    List<Path> operatorKeys = new java.util.ArrayList<>();

    @Option(names = "--k", defaultValue = "2", description = "Hosts that must report an item before it is normal fleet-wide (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--group", defaultValue = FleetService.GROUP, description = "Consumer group; instances in one group share the partitions (default: ${DEFAULT-VALUE}).")
    String group;


    @Option(names = "--duration", description = "Stop after this many seconds (default: at Ctrl-C).")
    Integer duration;

    @picocli.CommandLine.Mixin MetricsOption metrics;

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (kafka.bootstrap == null || key == null) throw new UserError(ExitCodes.USAGE, "vigil fleet needs --bootstrap HOST:PORT and --key FILE (or: vigil fleet keygen --out DIR)");
        if (k < 1) throw new UserError(ExitCodes.USAGE, "--k must be at least 1");
        metrics.check();
        if (!java.nio.file.Files.isReadable(key)) throw new UserError(ExitCodes.BAD_INPUT, "cannot read the fleet key " + key + " (make one with vigil fleet keygen --out DIR)");
        Signer signer;
        try {
            signer = Signer.load(key);
        } catch (IOException e) {
            throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
        }
        List<Signer> operators = new java.util.ArrayList<>();
        for (Path p : operatorKeys) {
            try {
                operators.add(Signer.verifier(p));
            } catch (IOException e) {
                throw new UserError(ExitCodes.BAD_INPUT, "--operator-key: " + e.getMessage());
            }
        }
        if (operators.isEmpty()) operators.add(signer);
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration * 1_000_000_000L;
        try (ShutdownGuard guard = new ShutdownGuard();
             FleetService f = new FleetService(new FleetService.Settings(kafka.bootstrap, group, FleetService.EVENTS, FleetService.PROFILES, k, kafka.properties), signer,
                     operators, System.err);
             dev.vigil.alert.Metrics served = metrics.open("fleet")) {
            f.register(served);
            guard.onStop(() -> stop = true);
            System.err.printf("vigil fleet: merging %s into %s (k = %d, group %s; allows signed by %s) ...%n", FleetService.EVENTS, FleetService.PROFILES, k, group,
                    String.join(", ", operators.stream().map(Signer::fingerprint).toList()));
            long every = 60_000_000_000L, next = System.nanoTime() + every;
            while (!stop && System.nanoTime() < end) {
                f.pollOnce(java.time.Duration.ofMillis(500));
                if (System.nanoTime() >= next) { // a line a minute, for whoever reads the service's log
                    next += every;
                    System.err.println("vigil fleet: " + f.counts());
                }
            }
            System.err.println("vigil fleet: " + f.counts());
        } catch (IllegalStateException e) {
            throw new UserError(ExitCodes.ERROR, "fleet: " + e.getMessage());
        }
        return ExitCodes.OK;
    }

    @Command(name = "allow", mixinStandardHelpOptions = true, description = {"Allow an item fleet-wide: every fleet instance treats it as normal for the workload,",
            "and the agents import it with the next merged profile.",
            "The allow is signed with the operator's key; the fleet service counts it only when it trusts that key (--operator-key).",
            "  vigil fleet allow --bootstrap kafka-1:9093 --key /etc/vigil/fleet/fleet.key \\",
            "      'systemd:nginx.service nginx' process '/usr/sbin/nginx -> /usr/bin/dash -c logrotate'"})
    static final class Allow implements Callable<Integer> {
        @picocli.CommandLine.Mixin KafkaClientOptions kafka;

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The operator's private key that signs the allow (fleet.key, or NAME.key from vigil fleet keygen --name NAME).")
        Path key;


        @picocli.CommandLine.Parameters(index = "0", paramLabel = "WORKLOAD", description = "The workload key, as alerts and `vigil workloads list` show it.")
        String workload;

        @picocli.CommandLine.Parameters(index = "1", paramLabel = "DIMENSION", description = "process, files, network, risky or syscalls.")
        String dimension;

        @picocli.CommandLine.Parameters(index = "2", paramLabel = "ITEM", description = "The item, as the alert's evidence names it.")
        String item;

        @Override
        public Integer call() throws Exception {
            Signer operator;
            try {
                operator = Signer.load(key);
            } catch (IOException e) {
                throw new UserError(ExitCodes.BAD_INPUT, "--key: " + e.getMessage());
            }
            try {
                FleetService.allow(new FleetService.Settings(kafka.bootstrap("vigil fleet allow"), FleetService.GROUP, FleetService.EVENTS, FleetService.PROFILES, 1, kafka.properties),
                        operator, workload, dimension, item);
            } catch (IllegalArgumentException e) {
                throw new UserError(ExitCodes.USAGE, e.getMessage());
            } catch (java.util.concurrent.ExecutionException e) {
                throw new UserError(ExitCodes.ERROR, "fleet allow: the brokers at " + kafka.bootstrap + " did not take it: " + e.getCause().getMessage());
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new UserError(ExitCodes.ERROR, "fleet allow: the brokers at " + kafka.bootstrap + " did not answer: " + e.getMessage());
            }
            System.out.println("vigil fleet: allowed fleet-wide in " + workload + ", " + dimension + ": " + item + " (signed by key " + operator.fingerprint() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = {"What the fleet holds normal: every merged profile in vigil.profiles, verified with the",
            "fleet's public key; with WORKLOAD, its items, the hosts that reported each, and what is",
            "still novel (seen on fewer than k hosts). Exit 1 when a document fails verification.",
            "  vigil fleet show --bootstrap kafka-1:9093 --public-key /etc/vigil/fleet/fleet.pub",
            "  vigil fleet show --bootstrap kafka-1:9093 --public-key /etc/vigil/fleet/fleet.pub 'systemd:nginx.service nginx'"})
    static final class Show implements Callable<Integer> {
        @picocli.CommandLine.Mixin KafkaClientOptions kafka;

        @Option(names = "--public-key", required = true, description = "The fleet's public key (fleet.pub).")
        Path publicKey;

        @Option(names = "--topic", defaultValue = FleetService.PROFILES, description = "The merged profiles' topic (default: ${DEFAULT-VALUE}).")
        String topic;


        @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "WORKLOAD", description = "One workload's items (its key, as alerts show it).")
        String workload;

        @Override
        public Integer call() {
            Signer verifier;
            try {
                verifier = Signer.verifier(publicKey);
            } catch (IOException e) {
                throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
            }
            Map<String, org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> docs;
            try {
                docs = FleetService.latest(new FleetService.Settings(kafka.bootstrap("vigil fleet show"), FleetService.GROUP, FleetService.EVENTS, topic, 1,
                        kafka.properties));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new UserError(ExitCodes.ERROR, "fleet show: the brokers at " + kafka.bootstrap + " did not answer about " + topic);
            }
            if (workload != null && !docs.containsKey(workload)) {
                throw new UserError(ExitCodes.BAD_INPUT, "no merged profile of '" + workload + "' in " + topic + " (" + docs.size() + " workloads there)");
            }
            int failed = 0;
            for (var e : docs.entrySet()) {
                if (workload != null && !workload.equals(e.getKey())) continue;
                var r = e.getValue();
                dev.vigil.fleet.FleetDocument.Read d;
                try {
                    d = dev.vigil.fleet.FleetDocument.read(r.value(), verifier);
                    if (!d.profile().workload().equals(r.key())) throw new dev.vigil.fleet.FleetDocument.InvalidException("it names another workload (" + d.profile().workload() + ")");
                } catch (dev.vigil.fleet.FleetDocument.InvalidException x) {
                    failed++;
                    System.out.printf("%s  FAILED VERIFICATION (partition %d offset %d): %s%n", r.key(), r.partition(), r.offset(), x.getMessage());
                    continue;
                }
                print(d, workload != null);
            }
            if (docs.isEmpty()) System.out.println("no merged profiles in " + topic + " yet");
            if (failed > 0) {
                System.err.printf("vigil: %d document%s in %s failed verification%n", failed, failed == 1 ? "" : "s", topic);
                return ExitCodes.ERROR;
            }
            return ExitCodes.OK;
        }

        private static void print(dev.vigil.fleet.FleetDocument.Read d, boolean items) {
            var p = d.profile();
            int normal = d.normal().values().stream().mapToInt(java.util.Set::size).sum(), pending = 0;
            for (var dim : p.hosts().values()) for (var hs : dim.values()) if (hs.size() < d.k()) pending++;
            System.out.printf("%s  version %d, k %d: %d items normal fleet-wide, %d seen on fewer than %d hosts; learnt fleet-wide: %s%n", p.workload(),
                    p.version(), d.k(), normal, pending, d.k(), d.learnt().isEmpty() ? "none" : String.join(", ", d.learnt()));
            if (!items) return;
            List<String> versions = p.imageVersions();
            for (int i = 0; i < versions.size(); i++) {
                System.out.printf("  image version %d: %s%s%n", i + 1, versions.get(i), i == versions.size() - 1 ? " (newest the fleet heard of)" : "");
            }
            var dims = new java.util.TreeSet<String>();
            dims.addAll(p.hosts().keySet());
            dims.addAll(p.novel().keySet());
            dims.addAll(p.allowed().keySet());
            for (String dim : dims) {
                System.out.printf("  %s%s%n", dim, d.learnt().contains(dim) ? " (learnt fleet-wide: stable on " + String.join(", ", p.stableHosts().get(dim)) + ")" : "");
                var allowed = p.allowed().getOrDefault(dim, java.util.Set.of());
                var reported = p.hosts().getOrDefault(dim, Map.of());
                var alerted = p.novel().getOrDefault(dim, Map.of());
                var all = new java.util.TreeSet<String>(reported.keySet());
                all.addAll(alerted.keySet());
                all.addAll(allowed);
                for (String item : all) {
                    List<String> why = new ArrayList<>();
                    if (allowed.contains(item)) why.add("allowed by an operator");
                    if (reported.containsKey(item)) why.add(String.join(", ", reported.get(item)));
                    if (alerted.containsKey(item)) why.add("alerted on " + String.join(", ", alerted.get(item)));
                    String whyText = String.join("; ", why);
                    System.out.printf("    %-7s %s   [%s]%n", d.normal().getOrDefault(dim, java.util.Set.of()).contains(item) ? "normal" : "novel", item, whyText);
                }
            }
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, description = {"The whole fleet loop on this machine, no setup, no root: a Kafka broker (KRaft) in",
            "this process on loopback; three agents replay recordings of one web service's normal traffic",
            "and publish their alerts and profile events; the fleet service merges them into a signed",
            "profile; a new replica imports it and replays its own recording (an attack 40 s after its",
            "start), once with the fleet's profile and once alone; a tampered profile is then rejected."})
    static final class Demo implements Callable<Integer> {
        @Option(names = "--k", defaultValue = "2", description = "Hosts that must report an item before it is normal fleet-wide (default: ${DEFAULT-VALUE}).")
        int k;

        @Option(names = "--keep", paramLabel = "DIR", description = "Keep the demo's files (recordings, spools, keys, the lone replica's alerts) in DIR.")
        Path keep;

        @Override
        public Integer call() throws Exception {
            if (k < 1 || k > dev.vigil.demo.FleetDemo.HOSTS.size()) throw new UserError(ExitCodes.USAGE, "--k must be 1 to " + dev.vigil.demo.FleetDemo.HOSTS.size());
            Path work = keep != null ? keep : java.nio.file.Files.createTempDirectory("vigil-fleet-demo");
            if (keep != null && java.nio.file.Files.exists(keep) && !java.nio.file.Files.isDirectory(keep)) throw new UserError(ExitCodes.BAD_INPUT, keep + " is not a folder");
            try {
                new dev.vigil.demo.FleetDemo(k, work, System.out).run();
            } catch (IllegalStateException e) {
                throw new UserError(ExitCodes.ERROR, "fleet demo: " + e.getMessage());
            } finally {
                if (keep == null) dev.vigil.demo.FleetDemo.delete(work);
            }
            if (keep != null) System.out.println("[fleet demo] its files are in " + keep);
            return ExitCodes.OK;
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true, description = {"Make the fleet's Ed25519 key pair: DIR/fleet.key (mode 600) and DIR/fleet.pub (for the agents);",
            "with --name NAME an operator's: DIR/NAME.key (signs vigil fleet allow) and DIR/NAME.pub (for vigil fleet --operator-key)."})
    static final class Keygen implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "The folder for the key files (an existing key is never overwritten).")
        Path out;

        @Option(names = "--name", defaultValue = "fleet", description = "The key files' name (default: ${DEFAULT-VALUE}).")
        String name;

        @Override
        public Integer call() {
            try {
                Signer.generate(out, name);
            } catch (IOException e) {
                throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
            }
            System.out.println("vigil fleet: wrote " + out.resolve(name + ".key") + " (keep it secret) and " + out.resolve(name + ".pub")
                    + (name.equals("fleet") ? " (give it to the agents)" : " (give it to the fleet service: --operator-key)"));
            return ExitCodes.OK;
        }
    }
}
