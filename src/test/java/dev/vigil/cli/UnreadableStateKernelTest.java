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
                + "detectors:\n  sequence: {enabled: true, exe: [/bin/true], pin_dir: " + pin + "}\n  profiles: {learning: fast}\n"
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

    /**
     * The state folder turns read-only under the agent (a real read-only mount): each state file's failing save is one
     * high-severity coverage alert, detection goes on (the loop turns: once the folder is writable again, the saves work and
     * say so), and the files are then on disk.
     */
    @Test
    void aReadOnlyStateFolderIsAnAlertAndDetectionGoesOn(@TempDir Path dir) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        run("mount", "-t", "tmpfs", "-o", "ro,size=4m", "tmpfs", state.toString());
        String pin = "/sys/fs/bpf/vigil-state-ro-test-" + ProcessHandle.current().pid();
        try {
            Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + state + "\n"
                    + "detectors:\n  sequence: {enabled: true, exe: [/bin/true], pin_dir: " + pin + ", save_every: 1s}\n  profiles: {learning: fast}\n"
                    + "outputs:\n  stdout: {format: json}\n");
            try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString()).pins(pin)) {
                agent.awaitStderr("vigil: watching 1 executable(s)");
                List<JsonNode> failed = await(agent, n -> !n.path("evidence").path("saved").asBoolean(true), 2);
                assertThat(failed).as("one per file, not one per save").hasSize(2).allSatisfy(n -> {
                    assertThat(n.path("severity").asText()).isEqualTo("high");
                    assertThat(n.path("detector").asText()).isEqualTo("coverage");
                    assertThat(n.path("summary").asText()).contains("Read-only file system").contains("detection goes on");
                });
                assertThat(failed).extracting(n -> n.path("evidence").path("file").asText())
                        .containsExactlyInAnyOrder(state.resolve("workloads.json").toString(), state.resolve("profiles.vigil").toString());
                run("mount", "-o", "remount,rw", state.toString());
                List<JsonNode> again = await(agent, n -> n.path("evidence").path("saved").asBoolean(false), 2);
                assertThat(again).as("stderr:\n%s", agent.stderr()).hasSize(2)
                        .allSatisfy(n -> assertThat(n.path("summary").asText()).startsWith("vigil saves its ").contains(" again"));
                assertThat(agent.stop()).isEqualTo(143);
                assertThat(agent.stderr()).doesNotContain("cannot save");
            }
            assertThat(state.resolve("workloads.json")).exists();
            assertThat(state.resolve("profiles.vigil")).exists();
        } finally {
            run("umount", state.toString());
        }
    }

    /** The state alerts (evidence source state) that match, until there are n of them or 30 s have passed. */
    private static List<JsonNode> await(LiveVigil agent, java.util.function.Predicate<JsonNode> match, int n) throws InterruptedException {
        List<JsonNode> found = new ArrayList<>();
        long end = System.nanoTime() + 30_000_000_000L;
        while (found.size() < n && System.nanoTime() < end) {
            JsonNode j = agent.lines.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            if (j != null && j.path("evidence").path("source").asText().equals("state") && j.path("evidence").has("saved") && match.test(j)) found.add(j);
        }
        for (JsonNode j; (j = agent.lines.poll(1500, java.util.concurrent.TimeUnit.MILLISECONDS)) != null; ) { // none more of the same
            if (j.path("evidence").path("source").asText().equals("state") && j.path("evidence").has("saved") && match.test(j)) found.add(j);
        }
        return found;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
    }
}
