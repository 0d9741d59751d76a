package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team: an attacker who cannot stop vigil starves it instead (here: the agent is frozen
 * with SIGSTOP, as a CPU-starved or paused reader would be) and floods the workload probe's
 * ring buffer with first sights while it cannot read (20,000 new files: far more than the
 * 1 MiB ring holds). What the kernel dropped must be an alert, not only a line in the closing
 * summary: one high-severity coverage alert naming the workload probe's ring and the count,
 * within about a second of the agent reading again, and the same count in the summary.
 */
@KernelTest
class CoverageKernelTest {
    static final String STORM = "my ($d, $n) = @ARGV; mkdir $d; for my $i (1..$n) { open(my $f, '>', \"$d/f$i\") or die; close $f; }";

    @Test
    void aRingBufferOverflowIsAHighCoverageAlert(@TempDir Path dir) throws Exception {
        Path cgroup = dev.vigil.host.Cgroups.root().resolve("vigil-coverage-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n  profiles: {warmup: 0s, learning: fast}\n"
                + "alerts: {cooldown: 1h}\noutputs:\n  stdout: {format: json}\n");
        Files.writeString(dir.resolve("storm.pl"), STORM);
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            agent.drain();
            agent.signal("STOP");
            Process storm;
            try {
                storm = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec /usr/bin/perl "
                        + dir.resolve("storm.pl") + " " + dir.resolve("files") + " 20000").redirectErrorStream(true).start();
                assertThat(storm.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(storm.exitValue()).isZero();
            } finally {
                agent.signal("CONT");
            }
            List<JsonNode> coverage = coverageAlerts(agent);
            assertThat(coverage).as("stderr:\n%s", agent.stderr()).hasSize(1);
            JsonNode c = coverage.getFirst();
            assertThat(c.path("severity").asText()).isEqualTo("high");
            assertThat(c.path("evidence").path("source").asText()).isEqualTo("workload_ring");
            long lost = c.path("evidence").path("lost").asLong();
            assertThat(lost).as("most of the 20,000 first sights did not fit").isGreaterThan(10_000);
            assertThat(c.path("summary").asText()).startsWith("vigil's coverage is degraded: " + String.format("%,d", lost)
                    + " first sights lost by the workload probe (its ring buffer was full)");
            // (by its key once its slot event was read, else by the cgroup the kernel's slot table holds: either names the cgroup)
            String name = cgroup.getFileName().toString();
            assertThat(c.path("evidence").path("workloads").asText()).as("the workload that lost them is named").contains(name);
            assertThat(c.path("summary").asText()).contains("(workloads affected: ").contains(name);
            assertThat(agent.stop()).as("SIGTERM: 128 + 15 after the clean shutdown").isEqualTo(143);
            assertThat(agent.stderr()).contains(lost + " events lost");
        } finally {
            dev.vigil.testing.TestCgroups.remove(cgroup);
        }
    }

    /**
     * The same starvation, aimed at the context probes: an exec storm (3,000 program starts,
     * each exec event over a kilobyte: the 1 MiB ring holds far fewer) and a storm of
     * high-risk calls (100,000 setuid(0)) while the agent cannot read. Each ring's loss is its
     * own high-severity coverage alert, and the exec probe's names the workload whose starts
     * were lost (counted in the kernel by the slot each process came from).
     */
    @Test
    void execAndRiskyRingOverflowsAreCoverageAlertsNamingTheWorkload(@TempDir Path dir) throws Exception {
        String name = "vigil-coverage-ctx-" + ProcessHandle.current().pid();
        Path cgroup = dev.vigil.host.Cgroups.root().resolve(name);
        Files.createDirectories(cgroup);
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n  profiles: {warmup: 0s, learning: fast}\n"
                + "collectors: {exec: {}, risky: {}}\nalerts: {cooldown: 1h}\noutputs:\n  stdout: {format: json}\n");
        Files.writeString(dir.resolve("storm.sh"), "i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i+1)); done\n"
                + "exec /usr/bin/perl -e 'use POSIX; POSIX::setuid(0) for 1..100000'\n");
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            agent.drain();
            agent.signal("STOP");
            try {
                Process storm = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec /bin/sh " + dir.resolve("storm.sh"))
                        .redirectErrorStream(true).start();
                assertThat(storm.waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(storm.exitValue()).isZero();
            } finally {
                agent.signal("CONT");
            }
            java.util.Map<String, JsonNode> bySource = new java.util.HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!(bySource.containsKey("exec_ring") && bySource.containsKey("risky_ring")) && System.nanoTime() < deadline) {
                for (JsonNode n : agent.drain()) if (n.path("detector").asText().equals("coverage")) bySource.putIfAbsent(n.path("evidence").path("source").asText(), n);
            }
            assertThat(bySource).as("stderr:\n%s", agent.stderr()).containsKeys("exec_ring", "risky_ring");
            JsonNode exec = bySource.get("exec_ring"), risky = bySource.get("risky_ring");
            assertThat(exec.path("severity").asText()).isEqualTo("high");
            assertThat(exec.path("evidence").path("lost").asLong()).as("most of 3,000 starts did not fit").isGreaterThan(1000);
            assertThat(exec.path("evidence").path("workloads").asText()).as("the storm's workload").contains(name);
            assertThat(exec.path("summary").asText()).contains("program starts lost by the exec probe").contains("(workloads affected: ").contains(name);
            assertThat(risky.path("severity").asText()).isEqualTo("high");
            assertThat(risky.path("evidence").path("lost").asLong()).isGreaterThan(50_000);
            assertThat(agent.stop()).isEqualTo(143);
        } finally {
            dev.vigil.testing.TestCgroups.remove(cgroup);
        }
    }

    /**
     * The sequence probe's ring: a program learnt normal, then, while the agent cannot read,
     * 400,000 calls each unseen in its profile (tolerization off: every one is an anomaly
     * event, far more than the 1 MiB ring holds). The loss is a coverage alert of its own.
     */
    @Test
    void aSequenceRingOverflowIsACoverageAlert(@TempDir Path dir) throws Exception {
        Path seq = dir.resolve("covseq");
        Files.copy(dev.vigil.testing.Native.helper("seqwork"), seq);
        Files.setPosixFilePermissions(seq, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        String pin = "/sys/fs/bpf/vigil-coverage-test-" + ProcessHandle.current().pid();
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: true, exe: [" + seq + "], min_calls: 1500, stable_calls: 700, tolerize_limit: 128, pin_dir: " + pin + "}\n"
                + "  profiles: {enabled: false}\nalerts: {cooldown: 1h}\noutputs:\n  stdout: {format: json}\n");
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString()).pins(pin)) {
            agent.awaitStderr("watching 1 executable(s)");
            for (int i = 0; i < 2; i++) run(seq.toString(), "0", "200");
            List<JsonNode> learnt = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (learnt.stream().noneMatch(n -> n.path("kind").asText().equals("profile_state")) && System.nanoTime() < until) learnt.addAll(agent.drain());
            assertThat(learnt).as("stderr:\n%s", agent.stderr()).anyMatch(n -> n.path("summary").asText().startsWith("the profile of " + seq + " is now normal"));
            agent.signal("STOP");
            try {
                run(seq.toString(), "3", "200000");
            } finally {
                agent.signal("CONT");
            }
            JsonNode cov = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (cov == null && System.nanoTime() < deadline) {
                for (JsonNode n : agent.drain()) {
                    if (n.path("detector").asText().equals("coverage") && n.path("evidence").path("source").asText().equals("sequence_ring")) cov = n;
                }
            }
            assertThat(cov).as("stderr:\n%s", agent.stderr()).isNotNull();
            assertThat(cov.path("severity").asText()).isEqualTo("high");
            assertThat(cov.path("evidence").path("lost").asLong()).as("most of 400,000 anomaly events did not fit").isGreaterThan(300_000);
            assertThat(cov.path("summary").asText()).contains("sequence events lost (the sequence probe's ring buffer was full)");
            assertThat(agent.stop()).isEqualTo(143);
        }
    }

    /**
     * The same starvation, aimed at a custom probe: 20,000 calls of a probed function while the agent cannot read (each
     * hit is an event over a kilobyte: the 1 MiB ring holds under a thousand). The loss is one high-severity coverage
     * alert naming the probes' ring, and the closing summary gives the probe's own count.
     */
    @Test
    void aProbeRingOverflowIsACoverageAlert(@TempDir Path dir) throws Exception {
        Path target = dev.vigil.testing.Native.helper("probe_target");
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n  profiles: {warmup: 0s, learning: fast}\n"
                + "alerts: {cooldown: 1h}\noutputs:\n  stdout: {format: json}\n"
                + "probes:\n  - {name: add, uprobe: '" + target + ":vigil_t_add', args: [{index: 0, type: int}]}\n");
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            agent.drain();
            agent.signal("STOP");
            try {
                Process p = new ProcessBuilder(target.toString(), "20000").redirectErrorStream(true).start();
                p.getOutputStream().write("go\n".getBytes());
                p.getOutputStream().close();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            } finally {
                agent.signal("CONT");
            }
            List<JsonNode> coverage = coverageAlerts(agent);
            assertThat(coverage).as("stderr:\n%s", agent.stderr()).hasSize(1);
            JsonNode c = coverage.getFirst();
            assertThat(c.path("severity").asText()).isEqualTo("high");
            assertThat(c.path("evidence").path("source").asText()).isEqualTo("probe_ring");
            long lost = c.path("evidence").path("lost").asLong();
            assertThat(lost).as("most of the 20,000 hits did not fit").isGreaterThan(15_000);
            assertThat(c.path("summary").asText()).startsWith("vigil's coverage is degraded: " + String.format("%,d", lost)
                    + " custom probe hits lost (the probes' ring buffer was full)");
            assertThat(agent.stop()).isEqualTo(143);
            assertThat(agent.stderr()).containsPattern("vigil: probe add: 20000 hits, 0 filtered in the kernel, [0-9]+ sent, " + lost + " lost");
        }
    }

    /** The coverage alerts that come once the agent reads again (waiting at most 10 s for the first). */
    private static List<JsonNode> coverageAlerts(LiveVigil agent) throws InterruptedException {
        List<JsonNode> coverage = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (coverage.isEmpty() && System.nanoTime() < deadline) {
            for (JsonNode n : agent.drain()) if (n.path("detector").asText().equals("coverage")) coverage.add(n);
        }
        return coverage;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }
}
