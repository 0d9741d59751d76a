package dev.vigil.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.syscall.SyscallTable;
import dev.vigil.testing.KernelTest;
import dev.vigil.trace.TraceDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario benchmark's harness, short, on the `jobs` scenario (it needs nothing beyond a
 * Debian base): it sets the service up in its namespace and cgroup, drives it, runs its
 * periodic job and its restart, sends every attack step, records every phase, and tears
 * down leaving nothing. What is deterministic is asserted: every step in the ground truth
 * with its time, in order; the recordings of the three phases written and read back by
 * `evaluate`'s folder loader; nothing of the run left (namespace, cgroups, folder, BPF).
 */
@KernelTest
class ScenarioKernelTest {
    @Test
    void aShortRunWritesGroundTruthAndRecordingsAndLeavesNothing(@TempDir Path out) throws Exception {
        Scenario s = Scenario.of("jobs");
        assertThat(s.unavailable()).isNull();
        ScenarioBench.Options o = new ScenarioBench.Options(Duration.ofSeconds(8), Duration.ofSeconds(8), 7, Duration.ofSeconds(3), 0,
                Duration.ofSeconds(1), 1, false);
        ScenarioBench.Run run = new ScenarioBench.Run(s, o, out);
        run.run();

        JsonNode r = ScenarioBench.JSON.readTree(out.resolve("result.json").toFile());
        List<String> steps = new ArrayList<>();
        r.get("steps").forEach(st -> steps.add(st.get("step").asText()));
        assertThat(steps).containsExactlyElementsOf(s.attack().stream().map(Scenario.Step::name).toList());
        assertThat(r.get("left_behind")).isEmpty();
        assertThat(r.get("requests").asLong()).isPositive();
        assertThat(r.get("requests_failed").asLong()).as(r.get("last_failure").asText()).isZero();
        assertThat(r.get("periodic_at").size()).as("the periodic job ran every 3 s").isGreaterThanOrEqualTo(3);
        assertThat(r.get("false_alarms").has("profile")).isTrue();
        for (int i = 1; i < steps.size(); i++) {
            assertThat(java.time.Instant.parse(r.get("steps").get(i).get("at").asText()))
                    .isAfter(java.time.Instant.parse(r.get("steps").get(i - 1).get("at").asText()));
        }
        TraceDataset d = TraceDataset.folders(out.resolve("traces"), SyscallTable.hostArch());
        assertThat(d.train()).as("the learning period's recordings").isNotEmpty();
        assertThat(d.normal()).as("the normal period's recordings").isNotEmpty();
        assertThat(d.attack()).as("the attack's recordings").isNotEmpty();
        assertThat(d.attackKinds()).containsOnlyKeys("attack");
        // the attack's own programs were recorded: perl ran in the attack and in no normal job of this short run's seed? it is
        // enough that the attack folder holds more processes than the runner alone
        assertThat(d.attack().size()).isGreaterThan(1);
        assertThat(Files.exists(out.resolve("events.jsonl"))).isTrue();
        assertThat(Files.exists(out.resolve("timeline.png"))).isTrue();
        assertThat(Path.of("/run/netns", run.id)).doesNotExist();
        assertThat(run.env.cgroup()).doesNotExist();
        assertThat(run.env.dir()).doesNotExist();
    }
}
