package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadProfile;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Podman;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers, end to end with real podman containers (an image built offline from this
 * host's files with vigil-webapp in it, each replica in a network namespace of its own, so
 * both listen on 8081 as replicas do): the service learns until stable; its container is
 * removed and made again (a new id): its profile is stable at once and the same traffic
 * raises nothing; a second replica shares the profile; a command run through the
 * application's injection flaw is alerted in the image's profile with the container's name
 * and image; a podman exec session is one alert of its own and nothing of it is learnt; a
 * new build of the image's tag (a new digest) is the profile's version 2, said in an info notice.
 */
@KernelTest
class ContainerKernelTest {
    static final String IMAGE = "localhost/vigil/test-webapp:1", WORKLOAD = "image:" + IMAGE + " vigil-webapp";

    /** Normal traffic inside a network namespace: pages, the time, the stats and a lookup, every 50 ms, until the stop file exists. */
    static final String CLIENT = """
            use IO::Socket::INET; my ($stop) = @ARGV; my @paths = ('/', '/time', '/stats', '/lookup?host=localhost');
            while (!-e $stop) { for my $p (@paths) {
              my $s = IO::Socket::INET->new('127.0.0.1:8081'); if ($s) { print $s "GET $p HTTP/1.0\\r\\n\\r\\n"; my @r = <$s>; close $s; }
              select(undef, undef, undef, 0.05); } }
            """;

    static List<JsonNode> mine(List<JsonNode> alerts) {
        return alerts.stream().filter(n -> n.path("profile").path("key").asText().equals(WORKLOAD)
                || n.path("evidence").path("workload").asText().equals(WORKLOAD)).toList();
    }

    @Test
    void aContainersProfileIsItsImagesSharedByReplicasAndRestartsWithExecSessionsApart(@TempDir Path dir) throws Exception {
        assertThat(Podman.unavailable()).as("podman (run-tests installs it)").isNull();
        String tag = "vigil-ct-" + ProcessHandle.current().pid();
        String digest1 = Podman.image(IMAGE, tag + "-build-1"), id1 = Podman.id(IMAGE);
        String a = tag + "-a", b = tag + "-b", c = tag + "-c", d = tag + "-d";
        String[] netns = {tag + "-1", tag + "-2"};
        Files.writeString(dir.resolve("client.pl"), CLIENT);
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\n"
                + "state_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n"
                + "  profiles: {warmup: 0s, learning: {min: 0s, stable_after: 4s, stable_calls: 2000, deadline: 1h}}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  stdout: {format: json}\n");
        List<Process> clients = new ArrayList<>();
        String digest2;
        try {
            for (String n : netns) {
                Podman.run(30, "ip", "netns", "add", n);
                Podman.run(30, "ip", "netns", "exec", n, "ip", "link", "set", "lo", "up");
            }
            try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
                agent.awaitStderr("vigil: profiling workloads");
                run(a, netns[0]);
                clients.add(client(dir, netns[0]));
                Map<String, JsonNode> stable = new HashMap<>();
                for (int i = 0; i < 40 && stable.size() < WorkloadProfile.DIMENSIONS.size(); i++) {
                    for (JsonNode n : mine(agent.drain())) {
                        assertThat(n.path("kind").asText()).as("only notices while learning: %s", n).isEqualTo("profile_state");
                        assertThat(stable.put(n.path("evidence").path("dimension").asText(), n)).as("one notice per dimension").isNull();
                    }
                }
                assertThat(stable.keySet()).as("every dimension of %s stable; stderr:\n%s", WORKLOAD, agent.stderr())
                        .containsExactlyInAnyOrderElementsOf(WorkloadProfile.DIMENSIONS);
                assertThat(stable.get("process").path("summary").asText()).startsWith("the process profile of vigil-webapp (image:" + IMAGE + ") is now stable");
                assertThat(mine(agent.drain())).as("the unchanged traffic after learning").isEmpty();

                // the container removed and made again from the same image: a new id, the same profile, stable at once
                Podman.remove(a);
                run(b, netns[0]);
                Thread.sleep(2000);
                assertThat(mine(agent.drain())).as("the re-created container's start and unchanged traffic").isEmpty();
                // a replica (its own network namespace, the same port): the same profile
                run(c, netns[1]);
                clients.add(client(dir, netns[1]));
                Thread.sleep(2000);
                assertThat(mine(agent.drain())).as("a second replica's start and traffic").isEmpty();

                // a command through the injection flaw of the replica: alerted in the image's profile, with the container
                inject(netns[1], "cat /etc/shadow");
                List<JsonNode> got = mine(agent.drain());
                assertThat(got).as("the injection is alerted").isNotEmpty();
                for (JsonNode n : got) {
                    assertThat(n.path("kind").asText()).isEqualTo("anomaly");
                    assertThat(n.path("container").path("name").asText()).isEqualTo(c);
                    assertThat(n.path("container").path("image").asText()).isEqualTo(IMAGE);
                    assertThat(n.path("container").path("image_digest").asText()).isEqualTo(digest1);
                    assertThat(n.path("container").path("runtime").asText()).isEqualTo("podman");
                }
                assertThat(got.stream().map(n -> n.path("summary").asText()).toList()).anyMatch(s -> s.contains("/etc/shadow"));

                // an operator's exec session: one alert of its own, naming the container; nothing of the service's profile
                Podman.podman("exec", c, "/bin/ls", "/srv");
                Thread.sleep(500);
                List<JsonNode> all = agent.drain();
                List<JsonNode> sessions = all.stream().filter(n -> n.path("kind").asText().equals("exec-session")).toList();
                assertThat(sessions).as("the exec session: %s", all).hasSize(1);
                assertThat(sessions.getFirst().path("severity").asText()).isEqualTo("medium");
                assertThat(sessions.getFirst().path("summary").asText()).startsWith("an exec session entered container " + c + " (image:" + IMAGE + "): ")
                        .contains("ls /srv by uid 0 from ");
                assertThat(sessions.getFirst().path("container").path("name").asText()).isEqualTo(c);
                assertThat(mine(all)).as("the session is not the service's anomaly").isEmpty();

                // red team: a host process put into the replica's cgroup (not its namespaces) to pass as the container
                Path cg = dev.vigil.host.Cgroups.root().resolve(Podman.podman("inspect", "--format", "{{.State.CgroupPath}}", c).strip().replaceFirst("^/", ""));
                assertThat(cg.resolve("cgroup.procs")).exists();
                Process smuggled = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cg.resolve("cgroup.procs") + " && exec /bin/cat /etc/hostname")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                assertThat(smuggled.waitFor(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(500);
                all = agent.drain();
                List<JsonNode> outsiders = all.stream().filter(n -> n.path("summary").asText().startsWith("a process was put into the cgroup")).toList();
                assertThat(outsiders).as("the process from outside: %s", all).hasSize(1);
                assertThat(outsiders.getFirst().path("severity").asText()).isEqualTo("high");
                assertThat(outsiders.getFirst().path("summary").asText()).startsWith("a process was put into the cgroup of container " + c + " (image:" + IMAGE
                        + ") from outside it: /usr/bin/cat /etc/hostname by uid 0 from ").contains("its pid namespace is the host's, not the container's pid:[");
                assertThat(outsiders.getFirst().path("evidence").path("pid_namespace_level").asInt()).isZero();
                assertThat(all).as("no exec-session alert for it: it is no session").noneMatch(n -> n.path("kind").asText().equals("exec-session"));
                assertThat(mine(all)).as("not the service's anomaly").isEmpty();

                // a new build of the tag (a new digest) replaces the first replica: the profile's version 2, learning again
                digest2 = Podman.image(IMAGE, tag + "-build-2");
                assertThat(digest2).isNotEqualTo(digest1);
                Podman.remove(b);
                run(d, netns[0]);
                Thread.sleep(1500);
                List<JsonNode> versions = mine(agent.drain()).stream().filter(n -> n.path("kind").asText().equals("profile_version")).toList();
                assertThat(versions).hasSize(1);
                assertThat(versions.getFirst().path("severity").asText()).isEqualTo("info");
                assertThat(versions.getFirst().path("summary").asText()).startsWith("the image of vigil-webapp (image:" + IMAGE + ") changed: profile version 2 (image "
                        + digest2.substring(0, 19) + ", was " + digest1.substring(0, 19) + ", container " + d + ")");
                assertThat(agent.stop()).isEqualTo(143);
            }
            ProfileSet saved = ProfileSet.read(dir.resolve("state").resolve(ProfileSet.FILE), 100, Dimension.Learning.fast());
            assertThat(saved.all().stream().map(p -> p.key().text()).filter(k -> k.contains("test-webapp")).toList())
                    .as("one profile for every container of the image").containsExactly(WORKLOAD);
            WorkloadProfile p = saved.find(dev.vigil.profile.WorkloadKey.parse(WORKLOAD));
            assertThat(p.versions()).containsExactly(digest1, digest2);
            assertThat(p.dimensions().get("process").itemSet()).as("the exec session's program is not learnt").noneMatch(i -> i.contains("/ls"));
            assertThat(p.dimensions().get("files").itemSet()).as("nor what the process from outside read").noneMatch(i -> i.contains("/etc/hostname"));
            Cli list = Cli.run("workloads", "list", "--state", dir.resolve("state").toString());
            assertThat(list.exit()).isZero();
            assertThat(list.out().lines().filter(l -> l.startsWith(WORKLOAD)).findFirst().orElseThrow()).containsPattern(" 2 +process:");
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            for (Process p : clients) {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            Podman.remove(a, b, c, d);
            for (String n : netns) {
                try {
                    Podman.run(30, "ip", "netns", "delete", n);
                } catch (IllegalStateException gone) {
                    // not made
                }
            }
            Podman.removeImage(id1);
        }
    }

    /**
     * Red team: the kernel profiles nothing of a container runtime's init until its next exec; a process that poses as one
     * (its parent named runc, itself run again through /proc/self/exe) in a cgroup that is no container's is alerted.
     */
    @Test
    void aProcessPosingAsRuncsInitOutsideAContainerIsAlerted(@TempDir Path dir) throws Exception {
        Path cgroup = dev.vigil.host.Cgroups.root().resolve("vigil-runc-pose-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\nstate_dir: " + dir.resolve("state")
                + "\ndetectors:\n  sequence: {enabled: false}\noutputs:\n  stdout: {format: json}\n");
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            Process p = new ProcessBuilder("perl", "-e", "$0 = 'runc'; my $p = fork(); if (!$p) { open(my $f, '>', '" + cgroup.resolve("cgroup.procs")
                    + "') or die; print $f \"$$\\n\"; close $f; exec {'/proc/self/exe'} 'perl', '-e', 'open(my $h, \"<\", \"/etc/shadow\"); sleep 1'; } waitpid($p, 0);")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            List<JsonNode> got = agent.drain().stream().filter(n -> n.path("summary").asText().startsWith("a process posing as a container runtime's init")).toList();
            assertThat(got).as("stderr:\n%s", agent.stderr()).hasSize(1);
            assertThat(got.getFirst().path("severity").asText()).isEqualTo("high");
            assertThat(got.getFirst().path("summary").asText()).contains("ran /usr/bin/perl -e open(my $h, \"<\", \"/etc/shadow\"); sleep 1 (through /proc/self or "
                    + "/dev/fd, its parent named runc) in /" + cgroup.getFileName() + ", which is no container");
            assertThat(agent.stop()).isEqualTo(143);
        } finally {
            Files.deleteIfExists(cgroup);
        }
    }

    private static void run(String name, String netns) throws Exception {
        Podman.podman("run", "--detach", "--name", name, "--network", "ns:/run/netns/" + netns, IMAGE, "/srv/vigil-webapp", "8081");
        for (int i = 0; i < 100; i++) { // answering
            if (http(netns, "/time").startsWith("HTTP/1.0 200")) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " does not answer");
    }

    private static Process client(Path dir, String netns) throws Exception {
        return new ProcessBuilder("nsenter", "--net=/run/netns/" + netns, "perl", dir.resolve("client.pl").toString(), dir.resolve("stop").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String http(String netns, String path) throws Exception {
        try {
            return Podman.run(30, "nsenter", "--net=/run/netns/" + netns, "perl", "-MIO::Socket::INET", "-e",
                    "my $s = IO::Socket::INET->new('127.0.0.1:8081') or exit 0; print $s \"GET " + path + " HTTP/1.0\\r\\n\\r\\n\"; print <$s>;");
        } catch (IllegalStateException e) {
            return "";
        }
    }

    private static void inject(String netns, String command) throws Exception {
        http(netns, "/lookup?host=" + java.net.URLEncoder.encode("localhost;" + command, java.nio.charset.StandardCharsets.UTF_8));
    }
}
