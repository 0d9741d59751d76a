package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut empties the saved state (not fsynced), or a disk error garbles it: the agent
 * as a service must not stay down for it (exit 5 is never restarted). Each unreadable file
 * is moved aside, one high-severity coverage alert says those profiles are lost and learn
 * again, and the agent runs.
 */
@KernelTest
class UnreadableStateKernelTest {
    @Test
    void unreadableSavedProfilesAreMovedAsideWithAnAlertAndTheAgentRuns(@TempDir Path dir) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(state.resolve("workloads.json"), ""); // emptied by a power cut
        Files.writeString(state.resolve("profiles.vigil"), "garbage, not a profile store");
        String pin = "/sys/fs/bpf/vigil-state-test-" + ProcessHandle.current().pid();
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + state + "\n"
                + "detectors:\n  sequence: {exe: [/bin/true], pin_dir: " + pin + "}\n  profiles: {learning: fast}\n"
                + "outputs:\n  stdout: {format: json}\n");
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString()).pins(pin)) {
            agent.awaitStderr("vigil: watching 1 executable(s)");
            List<JsonNode> lost = new ArrayList<>();
            for (JsonNode n : agent.drain()) if (n.path("evidence").path("source").asText().equals("state")) lost.add(n);
            assertThat(lost).as("stderr:\n%s", agent.stderr()).hasSize(2);
            assertThat(lost).allSatisfy(n -> {
                assertThat(n.path("severity").asText()).isEqualTo("high");
                assertThat(n.path("detector").asText()).isEqualTo("coverage");
                assertThat(Path.of(n.path("evidence").path("moved_to").asText())).exists();
            });
            assertThat(lost).extracting(n -> n.path("summary").asText()).anySatisfy(s -> assertThat(s).startsWith("vigil's saved workload profiles are lost: "
                    + state.resolve("workloads.json") + " cannot be read"))
                    .anySatisfy(s -> assertThat(s).startsWith("vigil's saved sequence profiles are lost: " + state.resolve("profiles.vigil")));
            assertThat(agent.stop()).as("SIGTERM: 128 + 15 after the clean shutdown").isEqualTo(143);
        }
        assertThat(state.resolve("workloads.json")).as("saved anew at stop").exists();
        assertThat(state.resolve("profiles.vigil")).exists();
    }
}
