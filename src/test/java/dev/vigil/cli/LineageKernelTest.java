package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workload profiles, process lineage, end to end: a small service (a shell script in a
 * cgroup of its own, so it is a workload of its own) runs the same programs in a loop while
 * the agent learns; the dimension turns stable (one notice); the unchanged loop raises
 * nothing; a new program run through the service raises exactly one alert naming it, in the
 * service's profile; the same again is suppressed; after a restart the saved profile is
 * stable at once and the new program is alerted again.
 */
@KernelTest
class LineageKernelTest {
    static final String SCRIPT = """
            while [ ! -e "$1/stop" ]; do
              cat /etc/hostname > /dev/null
              ls / > /dev/null
              a=0; [ -e "$1/attack" ] && a=1
              rm -f "$1/attack"
              [ "$a" = 1 ] && cat /etc/shadow > /dev/null
              b=0; [ -e "$1/id" ] && b=1
              rm -f "$1/id"
              [ "$b" = 1 ] && id > /dev/null
              sleep 0.2
            done
            """;

    /** The alerts about the service's workload (the test JVM and the agent's own JVM are workloads too). */
    static List<JsonNode> mine(List<JsonNode> alerts, String workload) {
        return alerts.stream().filter(n -> n.path("profile").path("key").asText().equals(workload)).toList();
    }

    @Test
    void aServiceLearnsTurnsStableAndANewProgramIsNamedOnce(@TempDir Path dir) throws Exception {
        Path cgroup = dev.vigil.collect.CgroupFs.root().resolve("vigil-lineage-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        assertThat(cgroup.resolve("cgroup.procs")).as("a real cgroup v2 folder").exists();
        Path svc = Files.writeString(dir.resolve("svc.sh"), SCRIPT);
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\n"
                + "state_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n"
                + "  profiles: {warmup: 0s, learning: {min: 0s, stable_after: 3s, stable_events: 10, deadline: 1h}}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  stdout: {format: json}\n");
        String workload = "cgroup:/" + cgroup.getFileName() + " dash:" + svc; // /bin/sh is /usr/bin/dash: workloads and items name real paths
        Process service = null;
        try {
            try (LiveVigil agent = new LiveVigil(dir.resolve("agent1.err"), "agent", "--config", config.toString())) {
                Thread.sleep(3000); // the exec collector attached
                // moves itself into its own cgroup, then runs the service: a workload of its own
                service = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec /bin/sh " + svc + " " + dir)
                        .redirectErrorStream(true).start();
                JsonNode stable = null;
                for (int i = 0; i < 40 && stable == null; i++) {
                    for (JsonNode n : mine(agent.drain(), workload)) {
                        assertThat(n.path("kind").asText()).as("only the stable notice while learning: %s", n).isEqualTo("profile_state");
                        stable = n;
                    }
                }
                assertThat(stable).as("the profile became stable; stderr:\n%s", agent.stderr()).isNotNull();
                assertThat(stable.path("summary").asText()).startsWith("the process profile of dash:" + svc + " (cgroup:/" + cgroup.getFileName() + ") is now stable: 5 programs learnt");
                assertThat(stable.path("profile").path("key").asText()).isEqualTo(workload);

                Thread.sleep(2000);
                assertThat(mine(agent.drain(), workload)).as("the unchanged loop after learning").isEmpty();

                Files.writeString(dir.resolve("attack"), "");
                List<JsonNode> alerts = mine(agent.drain(), workload);
                assertThat(alerts).hasSize(1);
                JsonNode a = alerts.getFirst();
                assertThat(a.path("detector").asText()).isEqualTo("profile");
                assertThat(a.path("kind").asText()).isEqualTo("anomaly");
                assertThat(a.path("summary").asText()).startsWith("dash:" + svc + " (cgroup:/" + cgroup.getFileName() + ") ran /usr/bin/cat /etc/shadow from /usr/bin/dash (pid "
                        + service.pid() + ") — never seen in ");
                assertThat(a.path("evidence").path("item").asText()).isEqualTo("/usr/bin/dash -> /usr/bin/cat /etc/shadow");
                assertThat(a.path("evidence").path("learnt_items").asInt()).isEqualTo(5); // cat /etc/hostname, ls /, rm -f FILE twice, sleep <n>.<n>
                assertThat(a.path("process").path("cmdline").toString()).isEqualTo("[\"cat\",\"/etc/shadow\"]");
                assertThat(a.path("process").path("cgroup").asText()).isEqualTo("/" + cgroup.getFileName());
                assertThat(a.path("ancestry").get(0).path("pid").asLong()).isEqualTo(service.pid());

                Files.writeString(dir.resolve("attack"), "");
                assertThat(mine(agent.drain(), workload)).as("the same again: a repeat within the cooldown").isEmpty();
                assertThat(agent.stop()).isEqualTo(143);
                assertThat(agent.stderr()).containsPattern("workload profiles \\([0-9]+ stable\\), [0-9]+ items learnt, 2 novel")
                        .contains("saved to " + dir.resolve("state/workloads.json"));
            }
            // a restart keeps the state: stable from the file, so the new program is alerted at once
            try (LiveVigil again = new LiveVigil(dir.resolve("agent2.err"), "agent", "--config", config.toString())) {
                again.awaitStderr("workload profiles from " + dir.resolve("state/workloads.json"));
                Thread.sleep(2000);
                Files.writeString(dir.resolve("attack"), "");
                List<JsonNode> after = mine(again.drain(), workload);
                assertThat(after).extracting(n -> n.path("evidence").path("item").asText()).containsExactly("/usr/bin/dash -> /usr/bin/cat /etc/shadow");
                assertThat(after.getFirst().path("evidence").path("allow").asText())
                        .isEqualTo("vigil workloads allow '" + workload + "' process '/usr/bin/dash -> /usr/bin/cat /etc/shadow'");

                // an operator allows a program before the service first runs it: no alert when it does
                Cli allow = Cli.run("workloads", "allow", workload, "process", "/usr/bin/dash -> /usr/bin/id", "--state", dir.resolve("state").toString());
                assertThat(allow.exit()).as(allow.err()).isZero();
                again.awaitStderr("allowed in " + workload + ", process: /usr/bin/dash -> /usr/bin/id");
                Files.writeString(dir.resolve("id"), "");
                assertThat(mine(again.drain(), workload)).as("allowed").isEmpty();
                assertThat(again.stop()).isEqualTo(143);
            }
            Cli list = Cli.run("workloads", "--state", dir.resolve("state").toString());
            assertThat(list.exit()).isZero();
            assertThat(list.out()).containsPattern(java.util.regex.Pattern.quote(workload) + " +stable +6 ");
            Cli show = Cli.run("workloads", "show", workload, "--state", dir.resolve("state").toString());
            assertThat(show.out()).contains("process: stable, 6 items").contains("/usr/bin/dash -> /usr/bin/id   (first seen");
            assertThat(Cli.run("workloads", "show", "no such", "--state", dir.resolve("state").toString()).exit()).isEqualTo(ExitCodes.BAD_INPUT);
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            if (service != null && !service.waitFor(10, TimeUnit.SECONDS)) service.destroyForcibly();
            for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
                try {
                    Files.delete(cgroup);
                } catch (java.io.IOException busy) {
                    Thread.sleep(100);
                }
            }
        }
    }
}
