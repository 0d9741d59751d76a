package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An alert explained down to the code, end to end: three services, each in a cgroup of its
 * own, read a file every 20 ms until their profiles are stable; then each opens a new file.
 * stack_secret (built with frame pointers) and stack_secret-nofp (without) open it in
 * open_secret(), called by handle_request(): the alert's stack names them. anon_exec makes
 * the call from machine code it copied into anonymous executable memory: a high-severity
 * alert names code running from anonymous memory.
 */
@KernelTest
class StackKernelTest {
    record Service(String name, Path dir, Path cgroup, String helper, String args) {
        Service(String name, Path dir, Path cgroup) { this(name, dir, cgroup, name, ""); }
    }

    @Test
    void aNovelItemsAlertCarriesItsStackAndCodeFromNowhereIsNamed(@TempDir Path dir) throws Exception {
        Path config = config(dir, "  file: {path: " + dir.resolve("alerts.json") + "}\n");
        List<Service> services = new ArrayList<>();
        for (String n : List.of("stack_secret", "stack_secret-nofp", "anon_exec", "fork-exec")) {
            Path d = serviceDir(dir, n);
            Path cg = dev.vigil.host.Cgroups.root().resolve("vigil-stack-" + n.replace('_', '-') + "-" + ProcessHandle.current().pid());
            // a child forked per request that executes /bin/true at once: its mappings are gone by the time user space looks
            services.add(n.equals("fork-exec") ? new Service(n, d, cg, "stack_secret-nofp", " fork-exec") : new Service(n, d, cg));
        }
        List<Process> running = new ArrayList<>();
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            for (Service s : services) {
                running.add(start(s, Native.helper(s.helper()) + " " + s.dir() + s.args()));
            }
            Map<String, Boolean> stable = new LinkedHashMap<>();
            for (int i = 0; i < 40 && stable.size() < services.size(); i++) {
                for (JsonNode n : agent.drain()) {
                    for (Service s : services) {
                        if (!mine(n, s)) continue;
                        assertThat(n.path("kind").asText()).as("only notices while learning: %s", n).isEqualTo("profile_state");
                        if (n.path("evidence").path("dimension").asText().equals("files")) stable.put(s.name(), true);
                    }
                }
            }
            assertThat(stable).as("every service's files stable; stderr:\n%s", agent.stderr()).hasSize(services.size());
            for (Service s : services) Files.writeString(s.dir().resolve("go"), "");
            Thread.sleep(1500);
            Map<String, List<JsonNode>> got = new LinkedHashMap<>();
            for (JsonNode n : agent.drain()) {
                for (Service s : services) if (mine(n, s)) got.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(n);
            }
            List<String> src = Files.readAllLines(Path.of("src/test/c/stack_secret.c"));
            int openLine = line(src, "int fd = open(path, O_RDONLY);"), callLine = line(src, "r = open_secret(secret);");
            for (String fp : List.of("stack_secret", "stack_secret-nofp")) {
                assertThat(got.get(fp)).as(fp + ": one alert for the new file").hasSize(1);
                JsonNode a = got.get(fp).getFirst();
                assertThat(a.path("evidence").path("dimension").asText()).isEqualTo("files");
                assertThat(a.path("evidence").path("stack").isArray()).as(a.toString()).isTrue();
                // with debug info (the frame-pointer build has -g) each frame says its source line too
                String at = fp.equals("stack_secret") ? " at open_secret (stack_secret.c:" + openLine + ") <- handle_request (stack_secret.c:" + callLine + ")"
                        : " at open_secret <- handle_request <- main (stack_secret-nofp)";
                assertThat(a.path("summary").asText()).as(fp).contains("read " + dir.resolve(fp).resolve("secret") + at);
            }
            // the forked child's stack, named through the mappings the kernel sent before it: it was true by the time user space read its own
            assertThat(got.get("fork-exec")).as("fork-exec: one alert for the new file").hasSize(1);
            assertThat(got.get("fork-exec").getFirst().path("summary").asText()).as("named as it was at the call, not as the program it runs now")
                    .contains("): stack_secret-no (pid ").doesNotContain("): true (pid ");
            assertThat(got.get("fork-exec").getFirst().path("summary").asText()).contains("read " + dir.resolve("fork-exec").resolve("secret")
                    + " at open_secret <- handle_request <- main (stack_secret-nofp)");
            JsonNode site = got.get("stack_secret").getFirst().path("evidence").path("call_site");
            assertThat(site.path("consistent").asBoolean()).as(site.toString()).isTrue();
            assertThat(site.path("check").asText()).contains("is just after a direct call to open").endsWith("the program's own code makes this call");
            JsonNode withLines = got.get("stack_secret").getFirst().path("evidence").path("stack").get(1);
            assertThat(withLines.path("symbol").asText()).startsWith("open_secret+0x");
            assertThat(withLines.path("file").asText()).endsWith("src/test/c/stack_secret.c");
            assertThat(withLines.path("line").asInt()).isEqualTo(openLine);
            List<JsonNode> anon = got.get("anon_exec");
            assertThat(anon).as("anon_exec: one alert").hasSize(1);
            JsonNode a = anon.getFirst();
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("evidence").path("dimension").asText()).isEqualTo("code");
            assertThat(a.path("evidence").path("item").asText()).isEqualTo("anonymous");
            assertThat(a.path("evidence").path("call_site").path("consistent").asBoolean(true)).isFalse();
            assertThat(a.path("summary").asText()).containsPattern("code running from anonymous memory at 0x[0-9a-f]+ made openat \\(read "
                    + java.util.regex.Pattern.quote(dir.resolve("anon_exec").resolve("secret").toString()) + "\\)");
            // a program started through popen (posix_spawn's clone3, glibc ending its unwind rules before the system call):
            // the process alert says where in the parent it was started, from the parent's stack at the fork
            Service fp0 = services.getFirst();
            Files.writeString(fp0.dir().resolve("spawn"), "");
            List<JsonNode> spawned = new ArrayList<>();
            for (int i = 0; i < 20 && spawned.isEmpty(); i++) {
                for (JsonNode n : agent.drain()) {
                    if (mine(n, fp0) && n.path("evidence").path("item").asText().endsWith("-> /usr/bin/dash -c /bin/true")) spawned.add(n);
                }
            }
            assertThat(spawned).as("the program popen started is alerted").isNotEmpty();
            assertThat(spawned).allSatisfy(sp -> {
                assertThat(sp.path("summary").asText()).contains("ran /usr/bin/dash -c /bin/true from " + Native.helper("stack_secret") + " (pid ")
                        .contains(" at spawn_helper (stack_secret.c:");
                assertThat(sp.path("evidence").path("spawned_at").toString()).contains("\"symbol\":\"spawn_helper+0x");
            });
            assertThat(agent.stop()).isEqualTo(143);

            // vigil explain: the stack frame by frame, and the static check of the call site
            Cli fp = Cli.run("explain", dir.resolve("alerts.json").toString(), "--dedup-key", got.get("stack_secret").getFirst().path("dedup_key").asText());
            assertThat(fp.exit()).as(fp.err()).isZero();
            assertThat(fp.out()).contains("stack, innermost first").containsPattern("#1 +0x[0-9a-f]+  open_secret\\+0x[0-9a-f]+ \\(stack_secret\\) at stack_secret.c:" + openLine)
                    .containsPattern("call site: open_secret\\+0x[0-9a-f]+ of \\S+/stack_secret is just after a direct call to open(64)?@plt, the function the"
                            + " system call was made in \\(open\\): the program's own code makes this call");
            Cli nofp = Cli.run("explain", dir.resolve("alerts.json").toString(), "--dedup-key", got.get("stack_secret-nofp").getFirst().path("dedup_key").asText());
            assertThat(nofp.exit()).as(nofp.err()).isZero();
            assertThat(nofp.out()).contains("the program's own code makes this call");
            Cli inj = Cli.run("explain", dir.resolve("alerts.json").toString(), "--dedup-key", a.path("dedup_key").asText());
            assertThat(inj.exit()).isEqualTo(ExitCodes.CHECK_FAILED);
            assertThat(inj.out()).containsPattern("call site: NOT CONSISTENT: the system call was made from anonymous memory at 0x[0-9a-f]+: no function of any file on disk made it");
            Cli many = Cli.run("explain", dir.resolve("alerts.json").toString());
            assertThat(many.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(many.error()).contains("alerts: name one with --dedup-key");
        } finally {
            for (Service s : services) Files.writeString(s.dir().resolve("stop"), "");
            for (Process p : running) if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            for (Service s : services) dev.vigil.testing.TestCgroups.remove(s.cgroup());
        }
    }

    /**
     * A Python service run under CPython 3.12+ with -X perf (which names each Python function's trampoline in
     * /tmp/perf-PID.map) reads a file every 20 ms in handle_request() until its profile is stable, then opens a new one
     * in open_secret(): the alert names the Python functions, innermost first, and the code profile learnt the JIT's
     * region while learning (no code alert).
     */
    @Test
    void aPythonScriptsAlertNamesItsPythonFunctions(@TempDir Path dir) throws Exception {
        var python = dev.vigil.testing.Pythons.withPerfMaps();
        org.junit.jupiter.api.Assumptions.assumeTrue(python.isPresent(), "no CPython 3.12+ with perf maps here (Debian 12's own is 3.11)");
        Path config = config(dir, "");
        Path d = serviceDir(dir, "py");
        Service s = new Service("python", d, dev.vigil.host.Cgroups.root().resolve("vigil-stack-py-" + ProcessHandle.current().pid()));
        Path script = Path.of("src/test/python/stack_secret.py").toAbsolutePath();
        Process p = null;
        try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString())) {
            agent.awaitStderr("vigil: profiling workloads");
            p = start(s, python.get() + " -X perf " + script + " " + d);
            Map<String, Boolean> stable = new LinkedHashMap<>();
            for (int i = 0; i < 40 && !stable.containsKey("files"); i++) {
                for (JsonNode n : agent.drain()) {
                    if (!mine(n, s)) continue;
                    assertThat(n.path("kind").asText()).as("only notices while learning: %s", n).isEqualTo("profile_state");
                    stable.put(n.path("evidence").path("dimension").asText(), true);
                }
            }
            assertThat(stable).as("files and code stable; stderr:\n%s", agent.stderr()).containsKeys("files", "code");
            Files.writeString(d.resolve("go"), "");
            Thread.sleep(1500);
            List<JsonNode> got = agent.drain().stream().filter(n -> mine(n, s)).toList();
            assertThat(got).as("one alert for the new file, no code alert: %s", got).hasSize(1);
            JsonNode a = got.getFirst();
            assertThat(a.path("evidence").path("dimension").asText()).isEqualTo("files");
            assertThat(a.path("summary").asText()).contains("read " + d.resolve("secret") + " at open_secret <- handle_request <- serve (stack_secret.py)");
            List<String> python3Frames = new ArrayList<>();
            for (JsonNode f : a.path("evidence").path("stack")) {
                if (f.path("region").asText().equals("jit")) python3Frames.add(f.path("symbol").asText().replaceAll("\\+0x[0-9a-f]+$", "") + "@" + f.path("file").asText());
            }
            assertThat(python3Frames).as("every Python frame, innermost first, down to the module").containsExactly("open_secret@" + script,
                    "handle_request@" + script, "serve@" + script, "<module>@" + script);
            assertThat(agent.stop()).isEqualTo(143);
        } finally {
            Files.writeString(d.resolve("stop"), "");
            if (p != null && !p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            dev.vigil.testing.TestCgroups.remove(s.cgroup());
        }
    }

    /** The agent's config: profiles that learn in seconds, no sequence detector, alerts as JSON on stdout (and the outputs given). */
    private static Path config(Path dir, String outputs) throws java.io.IOException {
        return Files.writeString(dir.resolve("vigil.yaml"), "host: test-host\n"
                + "state_dir: " + dir.resolve("state") + "\n"
                + "detectors:\n  sequence: {enabled: false}\n"
                + "  profiles: {warmup: 0s, learning: {min: 0s, stable_after: 3s, stable_calls: 300, deadline: 1h}}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  stdout: {format: json}\n" + outputs);
    }

    /** A service's folder: the file it reads while learning (name) and the one it opens after (secret). */
    private static Path serviceDir(Path dir, String name) throws java.io.IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("name"), "x\n");
        Files.writeString(d.resolve("secret"), "s\n");
        return d;
    }

    /** Starts command in the service's own cgroup (created). */
    private static Process start(Service s, String command) throws java.io.IOException {
        Files.createDirectories(s.cgroup());
        return new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + s.cgroup().resolve("cgroup.procs") + " && exec " + command).redirectErrorStream(true).start();
    }

    private static int line(List<String> src, String text) {
        for (int i = 0; i < src.size(); i++) if (src.get(i).contains(text)) return i + 1;
        throw new IllegalStateException("no line with " + text);
    }

    private static boolean mine(JsonNode n, Service s) {
        return n.path("profile").path("key").asText().startsWith("cgroup:/" + s.cgroup().getFileName() + " ");
    }
}
