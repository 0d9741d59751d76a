package dev.vigil.bench.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.agent.Agent;
import dev.vigil.agent.AgentConfig;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.Metrics;
import dev.vigil.collect.CgroupFs;
import dev.vigil.profile.Dimension;
import java.io.IOException;
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
 * The live attack-scenario benchmark (issue 13), first part: a real service set up in its
 * own network namespace and cgroups, seeded normal traffic, the agent's workload profiles
 * learning then watching, a normal period (every alert there is a false alarm), then an
 * attack whose steps are written with their times as ground truth, and per step: named or
 * not, the time to the first alert, its words. Everything is torn down at the end (service,
 * namespace, cgroups, files, BPF). What the profiles took in is recorded
 * (OUT/events.jsonl), so `vigil agent --replay-events` recomputes the alerts offline.
 * Usage: bench/scenarios/run.sh SCENARIO [--learn S] [--normal S] [--seed N] [--out DIR] (root).
 */
public final class ScenarioBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: bench/scenarios/run.sh SCENARIO [--learn S] [--normal S] [--seed N] [--out DIR]   scenarios: " + Scenario.NAMES);
            System.exit(2);
        }
        long learn = 120, normal = 300, seed = 42;
        Path out = Path.of("scenario-" + args[0]);
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--learn" -> learn = Long.parseLong(args[i + 1]);
                case "--normal" -> normal = Long.parseLong(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Scenario s = Scenario.of(args[0]);
        Files.createDirectories(out);
        String why = s.unavailable();
        if (why != null) {
            System.out.println("scenario " + s.name() + " skipped: " + why);
            return;
        }
        run(s, Duration.ofSeconds(learn), Duration.ofSeconds(normal), seed, out);
    }

    /** An alert and when it reached the bench. */
    record Got(Alert alert, Instant received) {}

    static void run(Scenario s, Duration learn, Duration normal, long seed, Path out) throws Exception {
        String id = "vigil-sc-" + ProcessHandle.current().pid();
        Env env = new Env(id, CgroupFs.root().resolve(id), Files.createTempDirectory(id));
        List<Got> alerts = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Agent agent = null;
        Thread agentThread = null;
        Traffic traffic = null;
        ObjectNode result = JSON.createObjectNode().put("scenario", s.name()).put("description", s.description()).put("seed", seed)
                .put("learn_s", learn.toSeconds()).put("normal_s", normal.toSeconds());
        try {
            env.create();
            say("%s: %s (namespace %s, cgroup %s)", s.name(), s.description(), env.netns(), env.cgroup());
            // the agent: workload profiles only, learning scaled to the learning period, every alert collected
            Dimension.Learning l = new Dimension.Learning(learn.dividedBy(2), learn.dividedBy(4), 5000, learn.multipliedBy(4).plus(normal), 2000);
            AgentConfig d = AgentConfig.defaults();
            AgentConfig cfg = new AgentConfig("", d.host(), env.dir().resolve("state"), new AgentConfig.Sequence(false, List.of(), 9, 1, 1, 12, 16, 16,
                    Duration.ofSeconds(60), "/sys/fs/bpf/" + id), new AgentConfig.Profiles(true, l, 1000, Duration.ZERO, AgentConfig.Profiles.IGNORE),
                    List.of("exec"), d.filters(), new AlertPipeline.Limits(Duration.ofMinutes(10), 0, 0, 10_000), List.of(), null, List.of());
            agent = new Agent(cfg, new PrintStream(java.io.OutputStream.nullOutputStream()), List.of(new AlertOutput() {
                public String name() { return "bench"; }
                public void send(Alert a) { alerts.add(new Got(a, Instant.now())); }
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
            traffic = new Traffic(env.netns(), seed, s);
            traffic.start();
            Instant t0 = Instant.now();
            say("learning for %d s under normal traffic ...", learn.toSeconds());
            Thread.sleep(learn.toMillis());
            Instant normalStart = Instant.now();
            say("normal period: %d s of the same traffic; every alert now is a false alarm", normal.toSeconds());
            Thread.sleep(normal.toMillis());
            Instant normalEnd = Instant.now();
            List<Got> mine = alerts.stream().filter(g -> s.owns(env, g.alert())).toList();
            List<Got> fa = mine.stream().filter(g -> g.alert().kind().equals("anomaly") && !g.received().isBefore(normalStart)
                    && g.received().isBefore(normalEnd)).toList();
            double hours = Duration.between(normalStart, normalEnd).toMillis() / 3_600_000.0;
            say("%d false alarms in %d s (%.1f an hour), %,d requests so far", fa.size(), normal.toSeconds(), fa.size() / hours, traffic.requests());
            for (Got g : fa) System.out.println("  FALSE ALARM " + g.alert().severity() + " " + g.alert().summary());
            result.put("false_alarms", fa.size()).put("false_alarms_per_hour", fa.size() / hours).put("requests_normal", traffic.requests());
            ArrayNode truth = result.putArray("steps");
            int named = 0;
            for (Scenario.Step step : s.attack()) {
                Instant at = Instant.now();
                step.action().run(env);
                Thread.sleep(3000);
                List<Got> after = alerts.stream().filter(g -> s.owns(env, g.alert()) && g.alert().kind().equals("anomaly") && !g.received().isBefore(at))
                        .toList();
                ObjectNode o = truth.addObject().put("step", step.name()).put("at", at.toString()).put("detected", !after.isEmpty());
                if (!after.isEmpty()) {
                    named++;
                    o.put("first_alert_ms", Duration.between(at, after.getFirst().received()).toMillis()).put("alerts", after.size())
                            .put("first_alert", after.getFirst().alert().summary());
                }
                System.out.printf(Locale.ROOT, "  step %-58s %s%n", step.name(), after.isEmpty() ? "NOT named" : String.format(Locale.ROOT,
                        "named after %d ms (%d alerts): %s", Duration.between(at, after.getFirst().received()).toMillis(), after.size(),
                        after.getFirst().alert().summary()));
            }
            result.put("steps_named", named).put("steps_total", s.attack().size()).put("wall_s", Duration.between(t0, Instant.now()).toSeconds());
            say("%d of %d attack steps named, %d false alarms in %d s of normal traffic", named, s.attack().size(), fa.size(), normal.toSeconds());
        } finally {
            if (traffic != null) traffic.stop();
            stop.set(true);
            if (agentThread != null) agentThread.join(15_000);
            if (agent != null) agent.close();
            s.tearDown(env);
            env.destroy();
            List<Got> all = new ArrayList<>(alerts);
            try (var w = Files.newBufferedWriter(out.resolve("alerts.jsonl"))) {
                for (Got g : all) w.write(dev.vigil.alert.AlertJson.line(g.alert()) + "\n");
            }
            Files.writeString(out.resolve("result.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            say("written: %s (result.json: ground truth and results per step; alerts.jsonl; events.jsonl and agent.yaml: "
                    + "vigil agent --config %s --replay-events %s replays it)", out, out.resolve("agent.yaml"), out.resolve("events.jsonl"));
        }
    }

    static void say(String fmt, Object... args) {
        System.out.println("[scenario] " + String.format(Locale.ROOT, fmt, args));
    }

    /** Where a scenario runs: its network namespace, its cgroup folder, its temporary folder. */
    record Env(String netns, Path cgroup, Path dir) {
        void create() throws IOException, InterruptedException {
            exec("ip", "netns", "add", netns);
            exec("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
            Files.createDirectories(cgroup);
        }

        /** A child cgroup of the scenario's, for one service. */
        Path cgroup(String name) throws IOException {
            return Files.createDirectories(cgroup.resolve(name));
        }

        /**
         * Starts a command inside the namespace and in cgroup: nsenter (which, unlike `ip netns
         * exec`, leaves /sys and so the cgroup tree in view) runs a shell that moves itself into
         * the cgroup and execs the command, so the command is the first program of its workload.
         */
        Process start(Path cg, Path log, String... cmd) throws IOException {
            List<String> c = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns, "sh", "-c",
                    "echo $$ > " + cg.resolve("cgroup.procs") + " && exec \"$0\" \"$@\""));
            c.addAll(List.of(cmd));
            return new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        void destroy() throws IOException, InterruptedException {
            // anything left in the scenario's cgroups is killed, then the folders and the namespace removed
            try (var walk = Files.walk(cgroup)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Path procs = p.resolve("cgroup.procs");
                    if (Files.exists(procs)) {
                        for (String pid : Files.readAllLines(procs)) if (!pid.isBlank()) exec("kill", "-9", pid.strip());
                    }
                }
            } catch (IOException ignored) {
                // gone already
            }
            for (int i = 0; i < 50; i++) {
                try (var walk = Files.walk(cgroup)) { // cgroup folders go with rmdir; their files are the kernel's
                    for (Path p : walk.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                    break;
                } catch (IOException busy) {
                    Thread.sleep(100);
                }
            }
            exec("ip", "netns", "delete", netns);
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        static void exec(String... cmd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        }
    }
}
