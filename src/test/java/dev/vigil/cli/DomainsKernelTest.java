package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Public endpoints told apart by the names they were looked up by, end to end: resolve_connect.c
 * (in a cgroup of its own, with an /etc/hosts of the test's in a mount namespace of its own)
 * looks a name up with glibc's getaddrinfo and connects to port 443 of the answer every 20 ms.
 * Two names give the same public address (203.0.113.10). By class alone both connections are
 * "connect tcp public:443"; with the resolver probes, the profile learns the name, and a new
 * name for the same address is exactly one alert saying the address and the name, while
 * another name of the learnt class raises nothing.
 */
@KernelTest
class DomainsKernelTest {
    @Test
    void aConnectionToAKnownAddressUnderANewNameIsOneAlert(@TempDir Path dir) throws Exception {
        Path exe = Native.helper("resolve_connect");
        Path cgroup = dev.vigil.host.Cgroups.root().resolve("vigil-domains-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n203.0.113.10 api-1.internal.example api-2.internal.example exfil.evil.example\n");
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\n"
                + "state_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n"
                + "  profiles: {warmup: 0s, learning: {min: 0s, stable_after: 3s, stable_calls: 300, deadline: 1h}}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  stdout: {format: json}\n");
        String scope = "cgroup:/" + cgroup.getFileName();
        Files.writeString(dir.resolve("name"), "api-1.internal.example\n");
        Process client = null;
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: public endpoints by the names getaddrinfo gave them: /");
            agent.awaitStderr("vigil: profiling workloads");
            client = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs")
                    + " && exec unshare -m sh -c 'mount --bind " + hosts + " /etc/hosts && exec " + exe + " " + dir + "'")
                    .redirectErrorStream(true).start();
            JsonNode network = null;
            java.util.Set<String> keys = new java.util.TreeSet<>();
            for (int i = 0; i < 40 && network == null; i++) {
                List<JsonNode> all = agent.drain();
                all.forEach(n -> keys.add(n.path("profile").path("key").asText() + " " + n.path("kind").asText() + " " + n.path("evidence").path("dimension").asText()));
                for (JsonNode n : program(all, scope)) {
                    assertThat(n.path("kind").asText()).as("only notices while learning: %s", n).isEqualTo("profile_state");
                    if (n.path("evidence").path("dimension").asText().equals("network")) network = n;
                }
            }
            assertThat(network).as("the client's network profile turns stable; seen %s; stderr:\n%s", keys, agent.stderr()).isNotNull();
            String workload = network.path("profile").path("key").asText();

            rename(dir, "api-2.internal.example"); // another name of the learnt class
            Thread.sleep(1500);
            assertThat(program(agent.drain(), scope)).as("a name of the learnt class").isEmpty();

            rename(dir, "exfil.evil.example"); // the same address, looked up by a new name
            Thread.sleep(1500);
            List<JsonNode> got = program(agent.drain(), scope);
            assertThat(got).as("exactly one alert for the new name").hasSize(1);
            JsonNode a = got.getFirst();
            assertThat(a.path("kind").asText()).isEqualTo("anomaly");
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("evidence").path("dimension").asText()).isEqualTo("network");
            assertThat(a.path("evidence").path("item").asText()).isEqualTo("connect tcp exfil.evil.example:443");
            assertThat(a.path("summary").asText()).contains("resolve_connect (pid " + client.pid() + ") connected to 203.0.113.10:443"
                    + " (tcp, a public address looked up as exfil.evil.example) at main (resolve_connect) — never seen in ");
            assertThat(agent.stop()).isEqualTo(143);
            Cli show = Cli.run("workloads", "show", workload, "--state", dir.resolve("state").toString());
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).as("the learnt endpoint is the name's class, not public:443")
                    .contains("connect tcp api-<n>.internal.example:443").doesNotContain("public:443", "exfil");
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            if (client != null && !client.waitFor(10, TimeUnit.SECONDS)) client.destroyForcibly();
            dev.vigil.testing.TestCgroups.remove(cgroup);
        }
    }

    private static void rename(Path dir, String name) throws Exception {
        Path tmp = Files.writeString(dir.resolve("name.tmp"), name + "\n");
        Files.move(tmp, dir.resolve("name"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The alerts of the client's workload (its profile's key names its cgroup; the program that began it is unshare). */
    private static List<JsonNode> program(List<JsonNode> alerts, String scope) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : alerts) {
            String key = n.path("profile").path("key").asText();
            if (key.startsWith(scope + " ")) out.add(n);
        }
        return out;
    }
}
