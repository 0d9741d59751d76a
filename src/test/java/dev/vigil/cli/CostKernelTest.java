package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.bpf.ProgramStats;
import dev.vigil.event.SensorSettings;
import dev.vigil.sensor.Sensor;
import dev.vigil.sensor.WorkloadSensor;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's own statistics of vigil's programs: with the workload probe loaded and the
 * statistics on, 30 starts of a program make at least 30 runs of its exec program, the
 * programs are listed by their whole names (the kernel keeps 15 characters: vigil_w_exit_call
 * comes back whole from its BTF), the run counts agree with bpftool's, and {@code vigil cost}
 * prints each program's ns per run; with no vigil program loaded it says so and fails.
 */
@KernelTest
class CostKernelTest {
    @Test
    void eachProgramsRunsAndTimeAreTheKernelsAndVigilCostPrintsThem(@TempDir Path dir) throws Exception {
        Path prog = dir.resolve("vigil-cost-t");
        Files.copy(Path.of("/usr/bin/true"), prog);
        Cli none = Cli.run("cost", "--seconds", "1");
        assertThat(none.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(none.err()).isEqualTo("vigil: no vigil BPF program is loaded (start the agent, then measure it)\n");

        SensorSettings only = new SensorSettings(Set.of(), Set.of(), Set.of("vigil-cost-t"), Set.of(), null, Duration.ofSeconds(2), 10, null);
        try (WorkloadSensor w = Sensor.start(new WorkloadSensor(), only); AutoCloseable on = ProgramStats.enable()) {
            var before = ProgramStats.vigil();
            assertThat(before).containsKeys("vigil_w_exec", "vigil_w_enter", "vigil_w_exit_call", "vigil_w_fork", "vigil_w_exit");
            for (int i = 0; i < 30; i++) {
                Process p = new ProcessBuilder(prog.toString()).start();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            var after = ProgramStats.vigil();
            long execs = after.get("vigil_w_exec").runs() - before.get("vigil_w_exec").runs();
            assertThat(execs).as("every exec on the host runs it; these 30 at least").isGreaterThanOrEqualTo(30);
            assertThat(after.get("vigil_w_enter").runNs()).isGreaterThan(before.get("vigil_w_enter").runNs());
            assertThat(after.get("vigil_w_enter").nsPerRun()).isPositive();

            // the same counts as bpftool's, read between two reads of ours
            var first = ProgramStats.vigil().get("vigil_w_exit_call").runs();
            Process b = new ProcessBuilder("bpftool", "-j", "prog", "show").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(b.getInputStream().readAllBytes());
            b.waitFor();
            var last = ProgramStats.vigil().get("vigil_w_exit_call").runs();
            long theirs = 0;
            for (var pr : json) if (pr.path("name").asText().equals("vigil_w_exit_call")) theirs += pr.path("run_cnt").asLong();
            assertThat(theirs).isBetween(first, last);

            Cli cost = Cli.run("cost", "--seconds", "1");
            assertThat(cost.exit()).as(cost.err()).isZero();
            assertThat(cost.out()).contains("vigil cost: each vigil BPF program over ").containsPattern("\\n  vigil_w_enter +\\d+ +\\d+\\.\\d +\\d+\\.\\d{3}\\n")
                    .contains("  all ");
        }
    }

    /** The agent exports its own programs' totals while the kernel counts, and vigil cost, another process, measures them. */
    @Test
    void theAgentExportsItsProgramsCostAndVigilCostMeasuresIt(@TempDir Path dir) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n  profiles: {warmup: 0s, learning: fast}\n"
                + "metrics: 127.0.0.1:" + port + "\noutputs:\n  stdout: {format: json}\n");
        Path sysctl = Path.of("/proc/sys/kernel/bpf_stats_enabled");
        String was = Files.readString(sysctl).strip();
        Files.writeString(sysctl, "1");
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            for (int i = 0; i < 5; i++) new ProcessBuilder("/bin/true").start().waitFor();
            // on again: a BPF_ENABLE_STATS descriptor another process held when it was first written makes that write a
            // no-op, and its close then turns the kernel's counting off
            Files.writeString(sysctl, "1");
            // the metrics server answers while the agent still registers its metrics: scraped until the programs' are there
            String text = "";
            for (int i = 0; i < 100 && !text.contains("vigil_bpf_stats_enabled"); i++) {
                if (i > 0) Thread.sleep(100);
                text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            }
            assertThat(text).contains("vigil_bpf_stats_enabled 1.0");
            assertThat(text).containsPattern("vigil_bpf_program_runs_total\\{program=\"vigil_w_enter\"} [1-9]")
                    .containsPattern("vigil_bpf_program_run_ns_total\\{program=\"vigil_w_exit_call\"} [1-9]")
                    .containsPattern("vigil_bpf_program_runs_total\\{program=\"vigil_exec\"} [1-9]");
            Cli cost = Cli.run("cost", "--seconds", "1");
            assertThat(cost.exit()).as(cost.err()).isZero();
            assertThat(cost.out()).containsPattern("\\n  vigil_w_enter +\\d+ +\\d+\\.\\d +\\d+\\.\\d{3}\\n");
        } finally {
            Files.writeString(sysctl, was);
        }
    }
}
