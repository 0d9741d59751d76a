package dev.vigil.bench.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.agent.Agent;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.host.Cgroups;
import dev.vigil.profile.Dimension;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live attack-scenario benchmark (issue 13): a real service set up in its own network
 * namespace and cgroups; seeded normal traffic, a periodic job, a restart in each period; vigil learning
 * then watching; a normal period (every alert there is a false alarm); an attack whose
 * steps are written with their times as ground truth; per detector and step: named or not,
 * the time to the first alert, its words. Detectors side by side: the agent's workload
 * profiles and its sequence detector (watch's, in the kernel) in one agent in this JVM, and
 * `vigil monitor` (stide, fitted on the learning period's recordings) as a child process.
 * Every phase is recorded with vigil record's format into OUT/traces/{train,normal,attack}
 * for `vigil evaluate --dataset folders`, and what the agent took in into
 * OUT/events.jsonl for `vigil agent --replay-events`. Then the service's throughput and
 * latency with vigil off and on (the agent as a child process, its CPU and RSS), in
 * alternating rounds. Everything is torn down (service, namespace, cgroups, files, BPF).
 */
public final class ScenarioBench {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What a run does: its periods, its seed, the periodic job's interval, the cost rounds (0: none), the offline evaluation. */
    record Options(Duration learn, Duration normal, long seed, Duration period, int rounds, Duration roundTime, int clients, boolean evaluate) {
        static Options defaults() {
            return new Options(Duration.ofSeconds(120), Duration.ofSeconds(300), 42, Duration.ofSeconds(30), 3, Duration.ofSeconds(10), 4, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: bench/scenarios/run.sh SCENARIO|all [--learn S] [--normal S] [--seed N] [--period S] [--rounds N] [--out DIR]   scenarios: "
                    + Scenario.NAMES + "\n       bench/scenarios/run.sh summary DIR   (the side-by-side report of DIR/*/result.json again)");
            System.exit(2);
        }
        if (args[0].equals("summary")) { // summary DIR: the side-by-side report of the scenarios under DIR again
            Summary.write(Path.of(args[1]), Scenario.NAMES);
            say("written: %s and %s", Path.of(args[1], "summary.md"), Path.of(args[1], "detection.png"));
            return;
        }
        Options d = Options.defaults();
        long learn = d.learn().toSeconds(), normal = d.normal().toSeconds(), seed = d.seed(), period = d.period().toSeconds(), rounds = d.rounds();
        Path out = null;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
            if (args[i].equals("--out")) {
                out = Path.of(args[i + 1]);
                continue;
            }
            long v = Long.parseLong(args[i + 1]);
            switch (args[i]) {
                case "--learn" -> learn = v;
                case "--normal" -> normal = v;
                case "--seed" -> seed = v;
                case "--period" -> period = v;
                case "--rounds" -> rounds = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Options o = new Options(Duration.ofSeconds(learn), Duration.ofSeconds(normal), seed, Duration.ofSeconds(period), (int) rounds, d.roundTime(),
                d.clients(), d.evaluate());
        List<String> names = args[0].equals("all") ? Scenario.NAMES : List.of(args[0]);
        for (String name : names) {
            Scenario s = Scenario.of(name);
            Path dir = out == null ? Path.of("scenario-" + name) : names.size() == 1 ? out : out.resolve(name);
            Files.createDirectories(dir);
            String why = s.unavailable();
            if (why != null) {
                System.out.println("scenario " + s.name() + " skipped: " + why);
                Files.writeString(dir.resolve("result.json"), JSON.createObjectNode().put("scenario", name).put("skipped", why).toPrettyString());
                continue;
            }
            try {
                new Run(s, o, dir).run();
            } catch (Exception e) { // the others still run; this one says why it failed
                System.err.println("scenario " + name + " failed: " + e);
                if (names.size() == 1) throw e;
                Path f = dir.resolve("result.json");
                com.fasterxml.jackson.databind.node.ObjectNode r = Files.exists(f) ? (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(f.toFile())
                        : JSON.createObjectNode().put("scenario", name);
                Files.writeString(f, r.put("failed", e.toString()).toPrettyString());
            }
        }
        if (names.size() > 1) {
            Path dir = out == null ? Path.of(".") : out;
            Summary.write(dir, names);
            say("written: %s (every scenario side by side) and %s", dir.resolve("summary.md"), dir.resolve("detection.png"));
        }
    }

    /** An alert, which detector family raised it, and when it reached the bench (or, for monitor's, when it was raised). */
    record Got(String detector, Alert alert, Instant at) {}

    static final class Run {
        final Scenario s;
        final Options o;
        final Path out;
        final String id = "vigil-sc-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime() % 100_000, 36);
        final Env env;
        final List<Got> alerts = new CopyOnWriteArrayList<>();
        final ObjectNode result;
        final List<String> monitorOutputs = new ArrayList<>();
        Instant normalStart, normalEnd, restartAt, learnRestartAt, operatorAt;
        final List<Instant> periodicAt = new CopyOnWriteArrayList<>();
        final List<Instant[]> stepsAt = new ArrayList<>();
        final AtomicBoolean paused = new AtomicBoolean();
        final Object serviceLock = new Object();

        Run(Scenario s, Options o, Path out) throws Exception {
            this.s = s;
            this.o = o;
            this.out = out;
            this.env = new Env(id, Cgroups.root().resolve(id), Path.of(System.getProperty("java.io.tmpdir"), id));
            this.result = JSON.createObjectNode().put("scenario", s.name()).put("description", s.description()).put("seed", o.seed())
                    .put("learn_s", o.learn().toSeconds()).put("normal_s", o.normal().toSeconds()).put("period_s", o.period().toSeconds());
        }

        AgentConfig agentConfig() {
            return agentConfig(true);
        }

        AgentConfig agentConfig(boolean sequence) {
            return agentConfig(sequence, AgentConfig.defaults().filters(), List.of());
        }

        /**
         * The agent configured to watch the service alone, as a user of a shared host would: its profiles and context
         * in the kernel filtered to the service's cgroups, its sequence detector to the service's programs. The cost
         * rounds use it so vigil does not profile the load generator, which in production runs on other hosts.
         */
        AgentConfig serviceConfig(boolean sequence) throws java.io.IOException {
            java.util.Set<Long> cgroups = new java.util.TreeSet<>();
            try (var dirs = Files.walk(env.cgroup())) { // a container's cgroup is below its service's
                for (Path d : dirs.filter(Files::isDirectory).filter(d -> !d.equals(env.cgroup())).toList()) {
                    cgroups.add(Cgroups.id("/" + id + "/" + env.cgroup().relativize(d)));
                }
            }
            java.util.Set<Path> exes = new java.util.TreeSet<>();
            for (int pid : env.mains()) {
                try {
                    exes.add(Path.of("/proc/" + pid + "/exe").toRealPath());
                } catch (java.io.IOException gone) {
                    // exited meanwhile, or a container's (its path is in its own root): the file by its process's link, while it runs
                    if (Files.exists(Path.of("/proc/" + pid + "/exe"))) exes.add(Path.of("/proc/" + pid + "/exe"));
                }
            }
            var f = AgentConfig.defaults().filters();
            return agentConfig(sequence, new dev.vigil.event.SensorSettings(f.pids(), f.uids(), f.comms(), cgroups, f.iface(), f.period(), f.top(),
                    f.pid()), List.copyOf(exes));
        }

        AgentConfig agentConfig(boolean sequence, dev.vigil.event.SensorSettings filters, List<Path> exes) {
            // workload profiles learning scaled to the learning period; the sequence detector with its production window and a
            // scaled training (a program's sequences normal after 200,000 calls, 50,000 of them without a new pair)
            Dimension.Learning l = new Dimension.Learning(o.learn().dividedBy(2), o.learn().dividedBy(4), 5000, o.learn().multipliedBy(4).plus(o.normal()), 2000);
            AgentConfig d = AgentConfig.defaults();
            return new AgentConfig("", d.host(), env.dir().resolve("state"), new AgentConfig.Sequence(sequence, exes, 9, 200_000, 50_000, 12, 4096, 65536,
                    Duration.ofSeconds(60), "/sys/fs/bpf/" + id, Duration.ofSeconds(2), AgentConfig.Sequence.DEFAULT_FRAME), new AgentConfig.Profiles(true, l, 1000, Duration.ZERO,
                    AgentConfig.Profiles.IGNORE), List.of("exec"), filters, new AlertPipeline.Limits(Duration.ofMinutes(10), 0, 0, 10_000), List.of(), null,
                    List.of());
        }

        void run() throws Exception {
            AtomicBoolean stop = new AtomicBoolean();
            Agent agent = null;
            Thread agentThread = null, periodic = null;
            Traffic traffic = null;
            Path traces = out.resolve("traces");
            Instant started = Instant.now();
            try {
                env.create();
                say("%s: %s (namespace %s, cgroup %s)", s.name(), s.description(), env.netns(), env.cgroup());
                AgentConfig cfg = agentConfig();
                agent = new Agent(cfg, new PrintStream(java.io.OutputStream.nullOutputStream()), List.of(new AlertOutput() {
                    public String name() { return "bench"; }
                    public void send(Alert a) { alerts.add(new Got(a.detector(), a, Instant.now())); }
                    public Map<String, Long> counts() { return Map.of("sent", 0L, "failed", 0L, "dropped", 0L); }
                    public void close() { }
                }));
                agent.recordEvents(out.resolve("events.jsonl"));
                // the same config, to replay the recording: vigil agent --config OUT/agent.yaml --replay-events OUT/events.jsonl
                Files.writeString(out.resolve("agent.yaml"), cfg.toYaml().replace("outputs: {}", "outputs:\n  stdout: {format: json}"));
                Agent running = agent;
                agentThread = Thread.ofPlatform().name("scenario-agent").start(() -> {
                    try {
                        running.run(Metrics.none(), stop::get, null);
                    } catch (Exception e) {
                        System.err.println("scenario: the agent failed: " + e.getMessage());
                    }
                });
                Thread.sleep(3000); // attached
                s.setUp(env);
                traffic = new Traffic(env, o.seed(), s);
                traffic.start();
                Instant t0 = Instant.now();
                periodic = Thread.ofPlatform().name("scenario-periodic").daemon().start(() -> {
                    for (int n = 1; !stop.get(); n++) {
                        try {
                            Thread.sleep(o.period().toMillis());
                            if (stop.get()) return;
                            if (paused.get()) continue;
                            synchronized (serviceLock) { // never in the middle of a restart (a SIGHUP to a daemon still starting kills it)
                                s.periodic(env, n);
                            }
                            periodicAt.add(Instant.now());
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            System.err.println("scenario: the periodic job failed: " + e.getMessage());
                        }
                    }
                });
                say("learning for %d s under normal traffic (a periodic job every %d s), recorded into %s ...", o.learn().toSeconds(),
                        o.period().toSeconds(), traces.resolve("train"));
                Process rec = vigil(traces.resolve("train"), "record", o.learn().dividedBy(4), "vigil: recording ");
                rec.waitFor();
                // a restart in the learning period too, as a day of production has its deploys: starting and stopping are normal.
                // At a quarter of it, well inside the learning (profiles are learnt for at least half of it): at half, the
                // old instance's shutdown could fall just after its profile turned stable, and be no part of what was learnt
                // (postgres's shutdown writes and deletes were then the false alarms of its normal period's restart)
                learnRestartAt = restart("restarted the service (learning)");
                rec = vigil(traces.resolve("train"), "record", Duration.between(Instant.now(), t0.plus(o.learn())), "vigil: recording ");
                rec.waitFor();
                normalStart = Instant.now();
                say("normal period: %d s of the same traffic, a restart half way; every alert now is a false alarm", o.normal().toSeconds());
                Process mon = vigil(traces.resolve("normal"), "monitor-fit", o.normal().dividedBy(2), "vigil: monitoring ");
                Thread.sleep(Math.max(0, o.normal().dividedBy(2).toMillis() - Duration.between(normalStart, Instant.now()).toMillis()));
                mon.waitFor();
                restartAt = restart("restarted the service");
                mon = vigil(traces.resolve("normal"), "monitor", Duration.between(Instant.now(), normalStart.plus(o.normal())), "vigil: monitoring ");
                // an operator's session by hand three quarters in (a scenario that has one: an exec into a container)
                Thread.sleep(Math.max(0, Duration.between(Instant.now(), normalStart.plus(o.normal().multipliedBy(3).dividedBy(4))).toMillis()));
                synchronized (serviceLock) {
                    Instant at = Instant.now();
                    if (s.operator(env)) operatorAt = at;
                }
                mon.waitFor();
                normalEnd = Instant.now();
                falseAlarms(traffic);
                // the attack runs alone (the traffic and the periodic job held), so what the attack window's processes do is the
                // attack's: the ground truth of the live detectors and the label of the recordings
                paused.set(true);
                traffic.pause(true);
                int steps = s.attack().size();
                mon = vigil(traces.resolve("attack"), "monitor", Duration.ofSeconds(steps * 4L + 4), "vigil: monitoring ");
                for (Scenario.Step step : s.attack()) {
                    Instant at = Instant.now();
                    step.action().run(env);
                    stepsAt.add(new Instant[] {at, Instant.now()});
                    Thread.sleep(Math.max(0, 4000 - Duration.between(at, Instant.now()).toMillis()));
                }
                mon.waitFor();
                Thread.sleep(1000);
                result.put("requests", traffic.requests()).put("requests_failed", traffic.failed()).put("last_failure", traffic.lastFailure());
                stop.set(true);
                periodic.interrupt();
                traffic.stop();
                agentThread.join(15_000);
                agent.close();
                agent = null;
                profiles();
                steps();
                if (o.rounds() > 0) new Cost(this).run();
                result.put("wall_s", Duration.between(started, Instant.now()).toSeconds());
            } finally {
                stop.set(true);
                if (periodic != null) periodic.interrupt();
                if (traffic != null) traffic.stop();
                if (agentThread != null) agentThread.join(15_000);
                if (agent != null) agent.close();
                s.tearDown(env);
                env.destroy();
                List<String> left = env.leftovers();
                left.addAll(bpfLeftovers());
                result.putPOJO("left_behind", left);
                if (!left.isEmpty()) say("LEFT BEHIND: %s", left);
                write();
            }
            if (o.evaluate()) Offline.evaluate(this, traces);
            write();
        }

        /**
         * The operator's session (the alerts of kind exec-session: told, never false alarms: what an operator does by hand is
         * named, not learnt) and the profiles the service's workloads have at the end (a container image's scope: one).
         */
        void profiles() throws Exception {
            if (operatorAt != null) {
                ObjectNode op = result.putObject("operator");
                List<Got> told = alerts.stream().filter(g -> g.alert().kind().equals("exec-session") && !g.at().isBefore(operatorAt)).toList();
                op.put("at", operatorAt.toString()).put("alerts", told.size());
                if (!told.isEmpty()) op.put("first", told.getFirst().alert().summary());
                say("operator's session: %d alert(s)%s", told.size(), told.isEmpty() ? "" : ": " + told.getFirst().alert().summary());
            }
            Path file = env.dir().resolve("state").resolve(dev.vigil.profile.ProfileSet.FILE);
            if (s.profileScope() == null || !Files.exists(file)) return;
            var set = dev.vigil.profile.ProfileSet.read(file, Integer.MAX_VALUE, dev.vigil.profile.Dimension.Learning.fast());
            List<String> keys = set.all().stream().map(p -> p.key().text()).filter(k -> k.startsWith(s.profileScope() + " ")).toList();
            result.putPOJO("profiles", keys);
            say("profiles of %s: %s", s.profileScope(), keys);
        }

        /** Restarts the service, never during its periodic job (a SIGHUP to a daemon still starting kills it); when it was done. */
        Instant restart(String said) throws Exception {
            synchronized (serviceLock) {
                s.restart(env);
            }
            say(said);
            return Instant.now();
        }

        /** Starts vigil record or monitor (fitting stide on the training recordings, or loading the fitted model) on the service's processes. */
        Process vigil(Path traces, String what, Duration duration, String banner) throws Exception {
            List<String> a = new ArrayList<>();
            String name = what.startsWith("monitor") ? "monitor" : "record";
            a.add(name);
            for (int pid : env.mains()) a.addAll(List.of("--pid", Integer.toString(pid)));
            a.addAll(List.of("--duration", Long.toString(Math.max(1, duration.toSeconds()))));
            Path model = out.resolve("monitor-stide.model");
            switch (what) {
                case "record" -> a.addAll(List.of("--out", traces.toString()));
                case "monitor-fit" -> a.addAll(List.of("--train", traces.resolveSibling("train").toString(), "--save-model", model.toString(),
                        "--json", "--record", traces.toString()));
                default -> a.addAll(List.of("--model", model.toString(), "--json", "--record", traces.toString()));
            }
            Path so = out.resolve("vigil-" + name + "-" + traces.getFileName() + ".out"), se = out.resolve("vigil-" + name + ".log");
            if (name.equals("monitor")) monitorOutputs.add(so.toString());
            Process p = Vigil.start(so, se, a.toArray(String[]::new));
            if (!Vigil.awaitLine(p, se, banner)) throw new IllegalStateException("vigil " + name + " did not start: " + Files.readString(se).strip());
            return p;
        }

        /** The alerts of this scenario: the agent's about its cgroups, and monitor's (it follows the service alone). */
        List<Got> mine() throws Exception {
            List<Got> all = new ArrayList<>();
            String cg = "/" + id;
            for (Got g : alerts) {
                Alert a = g.alert();
                boolean ours = (a.process() != null && (a.process().cgroup().equals(cg) || a.process().cgroup().startsWith(cg + "/")))
                        || (a.profile() != null && a.profile().key().contains("cgroup:" + cg));
                if (ours && a.kind().equals("anomaly")) all.add(g);
            }
            for (String f : monitorOutputs) {
                for (String l : Files.readAllLines(Path.of(f))) {
                    if (l.startsWith("{")) {
                        Alert a = AlertJson.parse(l);
                        if (a.kind().equals("anomaly")) all.add(new Got("monitor:" + a.detector().split(" ")[0], a, a.time()));
                    }
                }
            }
            return all;
        }

        static final List<String> DETECTORS = List.of("profile", "sequence", "monitor:stide");

        void falseAlarms(Traffic traffic) throws Exception {
            double hours = Duration.between(normalStart, normalEnd).toMillis() / 3_600_000.0;
            ObjectNode fa = result.putObject("false_alarms");
            for (String d : detectors()) {
                List<Got> in = mine().stream().filter(g -> g.detector().equals(d) && !g.at().isBefore(normalStart) && g.at().isBefore(normalEnd)).toList();
                fa.putObject(d).put("alerts", in.size()).put("per_hour", in.size() / hours);
                say("%-18s %d false alarms in %d s (%.1f an hour)", d, in.size(), Duration.between(normalStart, normalEnd).toSeconds(), in.size() / hours);
                for (Got g : in.subList(0, Math.min(5, in.size()))) System.out.println("    " + g.alert().severity().label() + " " + g.alert().summary());
            }
            say("%,d requests so far (%,d failed)", traffic.requests(), traffic.failed());
        }

        /** The detector families compared: the agent's two, monitor's stide, and any other that raised something. */
        List<String> detectors() throws Exception {
            List<String> d = new ArrayList<>(DETECTORS);
            for (Got g : mine()) if (!d.contains(g.detector())) d.add(g.detector());
            return d;
        }

        void steps() throws Exception {
            ArrayNode truth = result.putArray("steps");
            List<Scenario.Step> attack = s.attack();
            List<Got> mine = mine();
            Map<String, int[]> named = new java.util.LinkedHashMap<>();
            for (String d : detectors()) named.put(d, new int[1]);
            for (int i = 0; i < attack.size(); i++) {
                Instant at = stepsAt.get(i)[0], until = i + 1 < stepsAt.size() ? stepsAt.get(i + 1)[0] : at.plusSeconds(5);
                ObjectNode o = truth.addObject().put("step", attack.get(i).name()).put("at", at.toString())
                        .put("sent_ms", Duration.between(at, stepsAt.get(i)[1]).toMillis());
                System.out.println("  step " + attack.get(i).name());
                for (String d : named.keySet()) {
                    List<Got> in = mine.stream().filter(g -> g.detector().equals(d) && !g.at().isBefore(at) && g.at().isBefore(until)).toList();
                    ObjectNode r = o.putObject(d).put("detected", !in.isEmpty()).put("alerts", in.size());
                    if (!in.isEmpty()) {
                        named.get(d)[0]++;
                        long ms = Duration.between(at, in.getFirst().at()).toMillis();
                        r.put("first_alert_ms", ms).put("first_alert", in.getFirst().alert().summary());
                    }
                    System.out.printf(Locale.ROOT, "      %-18s %s%n", d, in.isEmpty() ? "not named" : String.format(Locale.ROOT, "named after %d ms (%d alerts): %s",
                            Duration.between(at, in.getFirst().at()).toMillis(), in.size(), in.getFirst().alert().summary()));
                }
            }
            ObjectNode sum = result.putObject("steps_named");
            named.forEach((d, n) -> sum.put(d, n[0]));
            result.put("steps_total", attack.size());
            result.putPOJO("periodic_at", periodicAt.stream().map(Instant::toString).toList());
            result.put("normal_start", normalStart.toString()).put("normal_end", normalEnd.toString()).put("restart_at", restartAt.toString())
                    .put("learning_restart_at", learnRestartAt.toString());
            say("steps named of %d: %s", attack.size(), named.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()[0]).toList());
        }

        void write() throws Exception {
            try (var w = Files.newBufferedWriter(out.resolve("alerts.jsonl"))) {
                for (Got g : alerts) w.write(AlertJson.line(g.alert()) + "\n");
            }
            Files.writeString(out.resolve("result.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            if (stepsAt.size() == s.attack().size() && normalEnd != null) Timeline.write(out.resolve("timeline.png"), this);
        }
    }

    /** BPF programs of vigil's still loaded (their names start with vigil_) 10 s after everything closed (the kernel frees them after a grace period), from bpftool. */
    static List<String> bpfLeftovers() throws InterruptedException {
        List<String> left = List.of();
        for (int i = 0; i < 100; i++) {
            try {
                Process p = new ProcessBuilder("bpftool", "prog", "show").redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes());
                p.waitFor();
                left = text.lines().filter(l -> l.matches("^\\d+: .* name vigil_.*")).map(l -> "BPF program " + l.strip()).toList();
            } catch (java.io.IOException e) {
                return List.of("bpftool failed: " + e.getMessage());
            }
            if (left.isEmpty()) return left;
            Thread.sleep(100);
        }
        return left;
    }

    static void say(String fmt, Object... args) {
        System.out.println("[scenario] " + String.format(Locale.ROOT, fmt, args));
    }
}
