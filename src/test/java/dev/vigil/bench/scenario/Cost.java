package dev.vigil.bench.scenario;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What vigil costs the service: closed-loop clients of the scenario's normal requests, in
 * rounds with vigil off, the agent with its workload profiles only, and the whole agent
 * (profiles and the sequence detector), each agent a child process started from the run's
 * config and the profiles it learnt, scoped to the service (its cgroups, its programs: the
 * load generator, in production on other hosts, is not profiled); the order alternates (ABC
 * CBA) so a drift of the machine falls on all; per configuration requests a second, latency
 * percentiles, the agent's CPU (cores over the round) and RSS, and the alerts it raised
 * about the service under load.
 */
final class Cost {
    private final ScenarioBench.Run run;

    Cost(ScenarioBench.Run run) {
        this.run = run;
    }

    /** The configurations compared: vigil off, the agent with its profiles only, the whole agent (profiles and sequences). */
    static final List<String> CONFIGS = List.of("off", "profiles-only", "agent");

    void run() throws Exception {
        ObjectNode c = run.result.putObject("cost").put("clients", run.o.clients()).put("round_s", run.o.roundTime().toSeconds());
        ArrayNode rounds = c.putArray("rounds");
        Map<String, double[]> sum = new LinkedHashMap<>(); // per config: requests/s, p50, p99, cores, max RSS, rounds
        for (String cfg : CONFIGS) sum.put(cfg, new double[6]);
        Files.writeString(run.out.resolve("cost-agent.yaml"), run.serviceConfig(true).toYaml().replace("outputs: {}", "outputs:\n  stdout: {format: json}"));
        Files.writeString(run.out.resolve("cost-profiles-only.yaml"), run.serviceConfig(false).toYaml().replace("outputs: {}", "outputs:\n  stdout: {format: json}"));
        ScenarioBench.say("cost: %d rounds of %d s each of %s, %d closed-loop clients ...", run.o.rounds(), run.o.roundTime().toSeconds(), CONFIGS, run.o.clients());
        for (int i = 0; i < run.o.rounds(); i++) {
            List<String> order = new ArrayList<>(CONFIGS);
            if (i % 2 == 1) java.util.Collections.reverse(order); // ABC CBA: a drift of the machine falls on all
            for (String cfg : order) {
                long seed = run.o.seed() * 1000 + i;
                ObjectNode r = rounds.addObject().put("vigil", cfg);
                double[] t = sum.get(cfg);
                if (cfg.equals("off")) {
                    add(t, r, Traffic.load(run.env, run.s, run.o.clients(), run.o.roundTime().toMillis(), seed), 0, 0);
                    continue;
                }
                Path log = run.out.resolve("cost-" + cfg + ".log");
                Process agent = Vigil.start(run.out.resolve("cost-" + cfg + "-alerts.jsonl"), log, "agent", "--config",
                        run.out.resolve("cost-" + cfg + ".yaml").toString());
                try {
                    if (!Vigil.awaitLine(agent, log, "vigil: profiling workloads")) throw new IllegalStateException("the agent did not start; see " + log);
                    Thread.sleep(2000);
                    double cpu0 = Vigil.cpuSeconds(agent.pid());
                    Traffic.Load l = Traffic.load(run.env, run.s, run.o.clients(), run.o.roundTime().toMillis(), seed);
                    add(t, r, l, (Vigil.cpuSeconds(agent.pid()) - cpu0) / run.o.roundTime().toSeconds(), Vigil.rssMiB(agent.pid()));
                } finally {
                    agent.destroy();
                    if (!agent.waitFor(30, TimeUnit.SECONDS)) agent.destroyForcibly().waitFor();
                }
            }
        }
        double off = sum.get("off")[0] / run.o.rounds();
        for (var e : sum.entrySet()) {
            double[] t = e.getValue();
            double n = t[5], rps = t[0] / n;
            ObjectNode o = c.putObject(e.getKey()).put("per_second", rps).put("p50_ms", t[1] / n).put("p99_ms", t[2] / n)
                    .put("throughput_change_pct", 100.0 * (rps - off) / off);
            if (!e.getKey().equals("off")) o.put("agent_cores", t[3] / n).put("agent_rss_mib", t[4]).put("alerts_under_load", alertsUnderLoad(e.getKey()));
            ScenarioBench.say("cost %-14s %8.1f requests/s (%+5.1f %%), p50 %.2f ms, p99 %.2f ms%s", e.getKey(), rps, 100.0 * (rps - off) / off, t[1] / n,
                    t[2] / n, e.getKey().equals("off") ? "" : String.format(Locale.ROOT, "; vigil %.3f cores, RSS %.0f MiB, %d alerts about the service under load",
                            t[3] / n, t[4], alertsUnderLoad(e.getKey())));
        }
    }

    private static void add(double[] t, ObjectNode r, Traffic.Load l, double cores, double rss) {
        t[0] += l.perSecond();
        t[1] += l.p50Ms();
        t[2] += l.p99Ms();
        t[3] += cores;
        t[4] = Math.max(t[4], rss);
        t[5]++;
        r.put("requests", l.ok()).put("failed", l.failed()).put("per_second", l.perSecond()).put("p50_ms", l.p50Ms()).put("p99_ms", l.p99Ms());
        if (rss > 0) r.put("agent_cores", cores).put("agent_rss_mib", rss);
    }

    /** Anomaly alerts about the service's cgroups the agent raised under load (the bench's own JVM is a host workload too). */
    private long alertsUnderLoad(String cfg) throws java.io.IOException {
        Path f = run.out.resolve("cost-" + cfg + "-alerts.jsonl");
        if (!Files.exists(f)) return 0;
        String cg = "/" + run.id;
        return Files.readAllLines(f).stream().filter(l -> l.startsWith("{")).map(dev.vigil.alert.AlertJson::parse)
                .filter(a -> a.kind().equals("anomaly") && a.process() != null && (a.process().cgroup().equals(cg) || a.process().cgroup().startsWith(cg + "/")))
                .count();
    }
}
