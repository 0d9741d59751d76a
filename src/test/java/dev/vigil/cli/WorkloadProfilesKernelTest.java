package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.profile.WorkloadProfile;
import dev.vigil.testing.KernelTest;
import java.net.ServerSocket;
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
 * Workload profiles, every dimension, end to end against the real kernel: a small service
 * (a shell script in a cgroup of its own, so a workload of its own) runs the same programs
 * in a loop; each turn a perl helper, always started the same way, reads a command file and
 * does what it says once (write a new file, connect to a new endpoint, make a high-risk call,
 * make a call it never made, run a new program). The agent learns until all five dimensions
 * are stable (one notice each); the unchanged loop raises nothing; each new behaviour raises
 * exactly one alert naming it, in its dimension, in the service's profile; a repeat is
 * suppressed and counted; after a restart the saved profile is stable at once.
 */
@KernelTest
class WorkloadProfilesKernelTest {
    static final String SCRIPT = """
            while [ ! -e "$1/stop" ]; do
              cat /etc/hostname > /dev/null
              ls / > /dev/null
              /usr/bin/perl "$1/act.pl" "$1"
              sleep 0.2
            done
            """;

    /** Acts on the command file once per new command number: the same files, calls and programs every turn otherwise. */
    static final String ACT = """
            use strict; use Socket;
            my $d = shift;
            sub slurp { my $f = shift; open(my $h, '<', $f) or return ''; local $/; my $t = <$h>; close $h; return defined $t ? $t : ''; }
            my ($n, $what, $arg) = split(' ', slurp("$d/cmd") || '0 none 0');
            my $done = slurp("$d/done") || 0;
            open(my $o, '>', "$d/done") or die; print $o $n; close $o;
            exit 0 if $n <= $done;
            if ($what eq 'write') { open(my $w, '>', "$d/written.txt") or die; print $w "x"; close $w; }
            elsif ($what eq 'connect') { socket(my $s, PF_INET, SOCK_STREAM, 0) or die; connect($s, pack_sockaddr_in($arg, inet_aton('127.0.0.1'))); close $s; }
            elsif ($what eq 'memfd') { my $name = 'vigil-test'; syscall($arg, $name, 0); }
            elsif ($what eq 'priority') { getpriority(0, 0); }
            elsif ($what eq 'exec') { exec('/usr/bin/id'); }
            elsif ($what eq 'link') { unlink("$d/x"); symlink('/etc/shadow', "$d/x") or die; open(my $r, '<', "$d/x") or die; close $r; }
            elsif ($what eq 'dfork') { # a double fork and setsid: the program runs re-parented, its parent gone
              my $p = fork(); if ($p == 0) { require POSIX; POSIX::setsid(); my $q = fork();
                if ($q == 0) { my $o = getppid(); for (1..200) { last if getppid() != $o; select(undef, undef, undef, 0.01); } exec('/usr/bin/whoami'); }
                exit 0; }
              waitpid($p, 0); }
            elsif ($what eq 'swap') { # a link to a learnt program, re-pointed by what it ran before user space could look
              unlink("$d/tool"); symlink('/usr/bin/perl', "$d/tool") or die;
              my $p = fork(); if ($p == 0) { exec("$d/tool", '-e', "unlink('$d/tool'); symlink('/usr/bin/true', '$d/tool')"); }
              waitpid($p, 0); }
            elsif ($what eq 'dots') { open(my $r, '<', '/tmp' . ('/.' x 150) . '/../etc/gshadow') or die; close $r; }
            """;

    static List<JsonNode> mine(List<JsonNode> alerts, String workload) {
        return alerts.stream().filter(n -> n.path("profile").path("key").asText().equals(workload)).toList();
    }

    private int counter;

    /** Writes the next command and returns the alerts of the workload that follow it. */
    private List<JsonNode> act(Path dir, LiveVigil agent, String workload, String what, Object arg) throws Exception {
        agent.drain();
        Path tmp = dir.resolve("cmd.tmp");
        Files.writeString(tmp, ++counter + " " + what + " " + arg);
        Files.move(tmp, dir.resolve("cmd"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        // the helper took the command (it writes done before acting), then the alerts come within the group window
        for (int i = 0; i < 200 && !Files.readString(dir.resolve("done")).strip().equals(Integer.toString(counter)); i++) Thread.sleep(50);
        assertThat(Files.readString(dir.resolve("done")).strip()).isEqualTo(Integer.toString(counter));
        Thread.sleep(200);
        return new ArrayList<>(mine(agent.drain(), workload));
    }

    /** The alerts of an act that finishes after its helper (a process of its own): waits for them when none came yet. */
    private static List<JsonNode> settled(LiveVigil agent, String workload, List<JsonNode> got) throws Exception {
        for (int i = 0; i < 20 && got.isEmpty(); i++) {
            Thread.sleep(100);
            got.addAll(mine(agent.drain(), workload));
        }
        Thread.sleep(500);
        got.addAll(mine(agent.drain(), workload));
        return got;
    }

    @Test
    void eachDimensionLearnsTurnsStableAndEachNewBehaviourIsNamedOnce(@TempDir Path dir) throws Exception {
        Path cgroup = dev.vigil.host.Cgroups.root().resolve("vigil-profile-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        Path svc = Files.writeString(dir.resolve("svc.sh"), SCRIPT);
        Files.writeString(dir.resolve("act.pl"), ACT);
        Files.writeString(dir.resolve("cmd"), "0 none 0");
        Path config = Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\n"
                + "state_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n"
                + "  profiles: {warmup: 0s, learning: {min: 0s, stable_after: 4s, stable_calls: 2000, deadline: 1h}}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  stdout: {format: json}\n  file: {path: " + dir.resolve("live.json") + "}\n");
        Path replayConfig = Files.writeString(dir.resolve("replay.yaml"), Files.readString(config).replace("live.json", "replayed.json")
                .replace("state_dir: " + dir.resolve("state"), "state_dir: " + dir.resolve("replay-state")));
        String workload = "cgroup:/" + cgroup.getFileName() + " dash:" + svc;
        int memfd = dev.vigil.syscall.SyscallTable.host().number("memfd_create").orElseThrow();
        Process service = null;
        try (ServerSocket listener = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try (var c = listener.accept()) {
                        c.getInputStream().readAllBytes();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            try (LiveVigil agent = new LiveVigil(dir.resolve("agent1.err"), "agent", "--config", config.toString(), "--record-events",
                    dir.resolve("events.jsonl").toString())) {
                agent.awaitStderr("vigil: profiling workloads");
                service = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec /bin/sh " + svc + " " + dir)
                        .redirectErrorStream(true).start();
                Map<String, JsonNode> stable = new HashMap<>();
                for (int i = 0; i < 40 && stable.size() < WorkloadProfile.DIMENSIONS.size(); i++) {
                    for (JsonNode n : mine(agent.drain(), workload)) {
                        assertThat(n.path("kind").asText()).as("only notices while learning: %s", n).isEqualTo("profile_state");
                        assertThat(n.path("evidence").path("state").asText()).isEqualTo("stable");
                        assertThat(stable.put(n.path("evidence").path("dimension").asText(), n)).as("one notice per dimension").isNull();
                    }
                }
                assertThat(stable.keySet()).as("every dimension stable; stderr:\n%s", agent.stderr()).containsExactlyInAnyOrderElementsOf(WorkloadProfile.DIMENSIONS);
                assertThat(stable.get("process").path("summary").asText())
                        .startsWith("the process profile of dash:" + svc + " (cgroup:/" + cgroup.getFileName() + ") is now stable: 4 programs learnt");
                assertThat(stable.get("risky").path("evidence").path("learnt_items").asInt()).isZero();
                assertThat(stable.get("network").path("evidence").path("learnt_items").asInt()).isZero();
                assertThat(stable.get("files").path("evidence").path("learnt_items").asInt()).isPositive();

                Thread.sleep(2000);
                assertThat(mine(agent.drain(), workload)).as("the unchanged loop after learning").isEmpty();

                String d = dir.toString(), written = "create " + dev.vigil.profile.Patterns.generalise(d + "/written.txt"); // /tmp/junit-<n>/written.txt
                JsonNode a = one(act(dir, agent, workload, "write", 0), "files", written);
                assertThat(a.path("summary").asText()).contains(": perl (pid ").containsPattern(" created or wrote " + java.util.regex.Pattern.quote(d + "/written.txt") + "( at [^—]+)? — never seen in ");
                assertThat(a.path("severity").asText()).isEqualTo("high"); // written under /tmp
                assertThat(a.path("evidence").path("allow").asText())
                        .isEqualTo("vigil workloads allow '" + workload + "' files '" + written + "'");
                assertThat(a.path("ancestry").get(0).path("pid").asLong()).isEqualTo(service.pid());

                a = one(act(dir, agent, workload, "connect", listener.getLocalPort()), "network", "connect tcp 127.0.0.1:" + listener.getLocalPort());
                assertThat(a.path("summary").asText()).contains("connected to 127.0.0.1:" + listener.getLocalPort() + " (tcp, loopback)");

                a = one(act(dir, agent, workload, "memfd", memfd), "risky", "memfd_create vigil-test");
                assertThat(a.path("summary").asText()).contains("called memfd_create (name=vigil-test flags=0x0)")
                        .contains("It also, never seen before: made its first memfd_create system call");

                a = one(act(dir, agent, workload, "priority", 0), "syscalls", "getpriority");
                assertThat(a.path("severity").asText()).isEqualTo("low");

                // red team: a credential file read through a symlink, and through a path of dots longer than the kernel's copy of it;
                // making the link is an item of what it links to, and leads the alert, the read through it folded in
                a = one(act(dir, agent, workload, "link", 0), "files", "symlink /etc/shadow");
                assertThat(a.path("summary").asText()).containsPattern(" made a symbolic link to /etc/shadow at " + java.util.regex.Pattern.quote(d + "/x") + "( at [^—]+)? — never seen in ")
                        .contains("It also, never seen before: read /etc/shadow (through " + d + "/x)");
                assertThat(a.path("severity").asText()).isEqualTo("high");
                a = one(act(dir, agent, workload, "dots", 0), "files", "read /etc/gshadow");
                assertThat(a.path("summary").asText()).contains(" read /etc/gshadow (through /tmp/./././");

                a = one(act(dir, agent, workload, "exec", 0), "process", "/usr/bin/dash -> /usr/bin/id");
                assertThat(a.path("summary").asText()).contains("It also, never seen before: ").contains("read /etc/passwd");
                assertThat(a.path("process").path("cmdline").toString()).isEqualTo("[\"/usr/bin/id\"]");

                // red team: a double fork with setsid (the program runs with its parent gone, re-parented to init) stays in the
                // workload it came from: the kernel kept the slot it was forked in
                // (the helper's own new calls and modules are alerts of their own processes)
                a = named(settled(agent, workload, act(dir, agent, workload, "dfork", 0)), "process", "(detached) -> /usr/bin/whoami");
                assertThat(a.path("summary").asText()).contains("ran /usr/bin/whoami from a process detached from its parent (re-parented to pid ");
                // red team: an exec through a link the program re-points at once: named by the file the kernel executed
                a = named(settled(agent, workload, act(dir, agent, workload, "swap", 0)), "process", "/usr/bin/perl -> /usr/bin/perl "
                        + dev.vigil.profile.Patterns.args(List.of("perl", "-e", "unlink('" + d + "/tool'); symlink('/usr/bin/true', '" + d + "/tool')")));
                // red team: a program written into the service's cgroup from outside (here: from the test's own process)
                agent.drain();
                Process intruder = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec /usr/bin/sleep 0.5").start();
                assertThat(intruder.waitFor(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(700);
                List<JsonNode> entered = agent.drain().stream().filter(n -> n.path("evidence").path("dimension").asText().equals("unit")).toList();
                assertThat(entered).as("one alert: a new workload inside the service's cgroup").hasSize(1);
                assertThat(entered.getFirst().path("severity").asText()).isEqualTo("high");
                assertThat(entered.getFirst().path("summary").asText())
                        .startsWith("a program was started inside cgroup:/" + cgroup.getFileName() + " from outside it: /usr/bin/sleep 0.5, by ")
                        .contains("(" + workload + " is stable)");

                assertThat(act(dir, agent, workload, "write", 0)).as("the same again: a repeat within the cooldown").isEmpty();
                assertThat(agent.stop()).isEqualTo(143);
                assertThat(agent.stderr()).containsPattern("workload profiles \\([0-9]+ stable\\), [0-9]+ items learnt, [0-9]+ novel")
                        .containsPattern("[1-9][0-9]* suppressed as repeats") // the host's other workloads may add theirs
                        .contains("saved to " + dir.resolve("state/workloads.json"))
                        .containsPattern("workload probe: [0-9]+ first sights, 0 events lost");
            }
            // the recording replayed (no kernel, no /proc): the same alerts, in the same order, word for word
            Cli replay = Cli.run("agent", "--config", replayConfig.toString(), "--replay-events", dir.resolve("events.jsonl").toString());
            assertThat(replay.exit()).as(replay.err()).isZero();
            assertThat(replay.err()).contains("replayed ").contains(" workload events from " + dir.resolve("events.jsonl"));
            List<String> live = comparable(dir.resolve("live.json")), replayed = comparable(dir.resolve("replayed.json"));
            assertThat(live).as("the live run raised the workload's alerts").hasSizeGreaterThanOrEqualTo(10);
            assertThat(replayed).isEqualTo(live);

            // a restart keeps the state: stable from the file, so the new endpoint is alerted at once
            try (LiveVigil again = new LiveVigil(dir.resolve("agent2.err"), "agent", "--config", config.toString())) {
                again.awaitStderr("workload profiles from " + dir.resolve("state/workloads.json"));
                again.awaitStderr("vigil: profiling workloads");
                Thread.sleep(1500);
                // the restarted agent resolves the running service's slot at its first call after the start: its first alert may
                // come after act's 200 ms
                JsonNode a = one(settled(again, workload, act(dir, again, workload, "connect", listener.getLocalPort())), "network",
                        "connect tcp 127.0.0.1:" + listener.getLocalPort());
                assertThat(a.path("profile").path("state").asText()).isEqualTo("stable");

                // an operator allows an endpoint before the service first reaches it: no alert when it does
                try (ServerSocket second = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
                    String item = "connect tcp 127.0.0.1:" + second.getLocalPort();
                    Cli allow = Cli.run("workloads", "allow", workload, "network", item, "--state", dir.resolve("state").toString());
                    assertThat(allow.exit()).as(allow.err()).isZero();
                    again.awaitStderr("allowed in " + workload + ", network: " + item);
                    assertThat(act(dir, again, workload, "connect", second.getLocalPort())).as("allowed").isEmpty();
                }
                assertThat(again.stop()).isEqualTo(143);
            }
            Cli show = Cli.run("workloads", "show", workload, "--state", dir.resolve("state").toString());
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).contains("process: stable").contains("files: stable").contains("network: stable, 1 items") // the one allowed
                    .contains("risky: stable, 0 items").contains("syscalls: stable");
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            if (service != null && !service.waitFor(10, TimeUnit.SECONDS)) service.destroyForcibly();
            dev.vigil.testing.TestCgroups.remove(cgroup);
        }
    }

    /** What must match between a live run and its replay: every alert's words, kind, severity, dedup key, profile and evidence. */
    private static List<String> comparable(Path alerts) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(alerts)) {
            JsonNode n = LiveVigil.JSON.readTree(l);
            out.add(String.join(" | ", n.path("detector").asText(), n.path("kind").asText(), n.path("severity").asText(), n.path("summary").asText(),
                    n.path("dedup_key").asText(), n.path("profile").toString(), n.path("evidence").toString(), n.path("time").asText()));
        }
        return out;
    }

    /** The one alert (among others of other processes) whose item is item: an anomaly in dimension. */
    private static JsonNode named(List<JsonNode> alerts, String dimension, String item) {
        List<JsonNode> it = alerts.stream().filter(n -> n.path("evidence").path("item").asText().equals(item)).toList();
        assertThat(it).as("exactly one alert names %s among %s", item, alerts).hasSize(1);
        return one(it, dimension, item);
    }

    /** The only alert: an anomaly in dimension, its item (or, folded in, one of its items) the one expected. */
    private static JsonNode one(List<JsonNode> alerts, String dimension, String item) {
        assertThat(alerts).as("exactly one alert for %s", item).hasSize(1);
        JsonNode a = alerts.getFirst();
        assertThat(a.path("detector").asText()).isEqualTo("profile");
        assertThat(a.path("kind").asText()).isEqualTo("anomaly");
        assertThat(a.path("evidence").path("dimension").asText()).as(a.toString()).isEqualTo(dimension);
        assertThat(a.path("evidence").path("item").asText()).as(a.toString()).isEqualTo(item);
        assertThat(a.path("profile").path("state").asText()).isEqualTo("stable");
        return a;
    }
}
