package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A custom probe as a profile dimension, end to end against the real kernel: probe_service.c
 * (in a cgroup of its own, so a workload of its own) looks up the same name every 20 ms
 * through vigil_s_handle -> vigil_s_lookup; the agent probes both (lookup with its string
 * argument, handle as an entry/return pair, so lookup's hits say the function they were made
 * in). Both probe dimensions learn and turn stable with one notice each; the unchanged loop
 * raises nothing; a new name raises exactly one alert naming the probe, the function, the
 * argument and its caller, however often it is called; the recording replays to the same
 * alerts.
 */
@KernelTest
class ProbeAgentKernelTest {
    @Test
    void aProbedFunctionCalledWithANewArgumentAfterLearningIsOneAlert(@TempDir Path dir) throws Exception {
        Path exe = Native.helper("probe_service");
        Path cgroup = dev.vigil.host.Cgroups.root().resolve("vigil-probe-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\n"
                + "state_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n"
                + "  profiles: {warmup: 0s, learning: {min: 0s, stable_after: 3s, stable_calls: 300, deadline: 1h}}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  stdout: {format: json}\n  file: {path: " + dir.resolve("live.json") + "}\n"
                + "probes:\n"
                + "  - name: lookup\n    uprobe: " + exe + ":vigil_s_lookup\n    args: [{index: 0, type: string, name: name}]\n"
                + "  - name: handle\n    uprobe: " + exe + ":vigil_s_handle\n    return: true\n");
        Path replayConfig = Files.writeString(dir.resolve("replay.yaml"), Files.readString(config).replace("live.json", "replayed.json")
                .replace("state_dir: " + dir.resolve("state"), "state_dir: " + dir.resolve("replay-state")));
        String scope = "cgroup:/" + cgroup.getFileName();
        Files.writeString(dir.resolve("name"), "alpha\n"); // the same file read every turn: only the name in it changes
        Process service = null;
        try {
            try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString(), "--record-events",
                    dir.resolve("events.jsonl").toString())) {
                agent.awaitStderr("vigil: custom probes, each a profile dimension (probe:NAME): lookup (uprobe " + exe + ":vigil_s_lookup)");
                agent.awaitStderr("vigil: profiling workloads");
                service = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec " + exe + " " + dir)
                        .redirectErrorStream(true).start();
                Map<String, JsonNode> stable = new HashMap<>();
                for (int i = 0; i < 40 && !stable.keySet().containsAll(List.of("probe:lookup", "probe:handle", "files")); i++) {
                    for (JsonNode n : mine(agent.drain(), scope)) {
                        assertThat(n.path("kind").asText()).as("only notices while learning: %s", n).isEqualTo("profile_state");
                        assertThat(n.path("evidence").path("state").asText()).isEqualTo("stable");
                        assertThat(stable.put(n.path("evidence").path("dimension").asText(), n)).as("one notice per dimension").isNull();
                    }
                }
                assertThat(stable).as("both probe dimensions and the files stable; stderr:\n%s", agent.stderr()).containsKeys("probe:lookup", "probe:handle", "files");
                assertThat(stable.get("probe:lookup").path("summary").asText()).contains("the probe:lookup profile of ")
                        .contains(" is now stable: 1 probed calls learnt");
                assertThat(stable.get("probe:handle").path("evidence").path("learnt_items").asInt()).isEqualTo(1);
                JsonNode anyNotice = stable.get("probe:lookup");
                String workload = anyNotice.path("profile").path("key").asText();

                Thread.sleep(2000);
                assertThat(mine(agent.drain(), scope)).as("the unchanged loop after learning").isEmpty();

                Path tmp = dir.resolve("name.tmp");
                Files.writeString(tmp, "beta.internal.example\n");
                Files.move(tmp, dir.resolve("name"), StandardCopyOption.ATOMIC_MOVE);
                Thread.sleep(1500); // the service calls it ~75 times with the new name
                List<JsonNode> got = new ArrayList<>(mine(agent.drain(), scope));
                assertThat(got).as("exactly one alert for the new argument").hasSize(1);
                JsonNode a = got.getFirst();
                assertThat(a.path("kind").asText()).isEqualTo("anomaly");
                assertThat(a.path("severity").asText()).isEqualTo("medium");
                assertThat(a.path("evidence").path("dimension").asText()).isEqualTo("probe:lookup");
                assertThat(a.path("evidence").path("item").asText()).isEqualTo("vigil_s_lookup beta.internal.example");
                assertThat(a.path("summary").asText()).contains(": probe_service (pid " + service.pid() + ") called vigil_s_lookup(name=beta.internal.example)"
                        + " in vigil_s_handle (probe lookup) — never seen in ");
                assertThat(a.path("evidence").path("allow").asText())
                        .isEqualTo("vigil workloads allow '" + workload + "' probe:lookup 'vigil_s_lookup beta.internal.example'");
                assertThat(a.path("profile").path("state").asText()).isEqualTo("stable");
                Thread.sleep(1500);
                assertThat(mine(agent.drain(), scope)).as("its further calls: repeats, not alerts").isEmpty();

                // a name that is a path: vigil_s_lookup opens it, inside vigil_s_handle (a pair): the file's alert says so
                Path secret = Files.writeString(dir.resolve("secret"), "s\n");
                Files.writeString(tmp, secret + "\n");
                Files.move(tmp, dir.resolve("name"), StandardCopyOption.ATOMIC_MOVE);
                Thread.sleep(1500);
                List<String> fileActions = new ArrayList<>();
                for (JsonNode n : mine(agent.drain(), scope)) {
                    if (n.path("evidence").path("dimension").asText().equals("files")) fileActions.add(n.path("evidence").path("action").asText());
                    for (JsonNode it : n.path("evidence").path("items")) {
                        if (it.path("dimension").asText().equals("files") && it != n) fileActions.add(it.path("action").asText());
                    }
                }
                assertThat(fileActions.stream().distinct().toList()).as("the opened file, in the probed function it was opened in, at its native frames")
                        // vigil_s_handle returns through the uretprobe's trampoline: the stack ends there, its caller is not known
                        .containsExactly("read " + secret + " in vigil_s_handle at vigil_s_lookup <- vigil_s_handle (probe_service)");

                assertThat(agent.stop()).isEqualTo(143);
                assertThat(agent.stderr()).containsPattern("vigil: probe lookup: [1-9][0-9]* hits, 0 filtered in the kernel, [1-9][0-9]* sent, 0 lost")
                        .containsPattern("[1-9][0-9]* suppressed as repeats");
            }
            Cli replay = Cli.run("agent", "--config", replayConfig.toString(), "--replay-events", dir.resolve("events.jsonl").toString());
            assertThat(replay.exit()).as(replay.err()).isZero();
            List<String> live = comparable(dir.resolve("live.json"), scope), replayed = comparable(dir.resolve("replayed.json"), scope);
            assertThat(live).as("the service's notices and its one alert").hasSizeGreaterThanOrEqualTo(3);
            assertThat(replayed).isEqualTo(live);
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            if (service != null && !service.waitFor(10, TimeUnit.SECONDS)) service.destroyForcibly();
            dev.vigil.testing.TestCgroups.remove(cgroup);
        }
    }

    /** The alerts of the service's workload (its profile's key names its cgroup). */
    private static List<JsonNode> mine(List<JsonNode> alerts, String scope) {
        return alerts.stream().filter(n -> n.path("profile").path("key").asText().startsWith(scope + " ")).toList();
    }

    private static List<String> comparable(Path alerts, String scope) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(alerts)) {
            JsonNode n = LiveVigil.JSON.readTree(l);
            if (!n.path("profile").path("key").asText().startsWith(scope + " ")) continue;
            out.add(String.join(" | ", n.path("kind").asText(), n.path("summary").asText(), n.path("dedup_key").asText(), n.path("evidence").toString()));
        }
        return out;
    }
}
