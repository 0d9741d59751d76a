package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vigil agent` from a config file, end to end: a static workload (seqwork) learns until its
 * profile turns normal, an unchanged run raises nothing, a changed run raises alerts that
 * reach stdout, the JSON file, syslog over UDP and a webhook identically; the same change
 * again is suppressed (cooldown); SIGHUP reopens the file after it was moved; SIGTERM saves
 * the profiles and leaves no program, link or pin in the kernel (the kernel extension checks).
 */
@KernelTest
class AgentKernelTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void detectsAScriptedChangeAndWritesTheSameAlertToEveryOutput(@TempDir Path dir) throws Exception {
        Path seq = dir.resolve("agentwork");
        Files.copy(Native.helper("seqwork"), seq, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(seq, PosixFilePermissions.fromString("rwxr-xr-x"));
        String pin = "/sys/fs/bpf/vigil-agent-test-" + ProcessHandle.current().pid();
        Path file = dir.resolve("log/alerts.json");
        List<String> syslog = Collections.synchronizedList(new ArrayList<>());
        List<JsonNode> hooked = Collections.synchronizedList(new ArrayList<>());
        int sequential; // alerts raised before the forking run
        try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            hook.createContext("/hook", ex -> {
                JsonNode arr = JSON.readTree(ex.getRequestBody());
                arr.forEach(hooked::add);
                ex.sendResponseHeaders(204, -1);
                ex.close();
            });
            hook.start();
            Thread rx = Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[65536];
                while (!udp.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        udp.receive(p);
                        syslog.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            Path config = Files.writeString(dir.resolve("vigil.yaml"), """
                    host: test-host
                    state_dir: %s
                    detectors:
                      sequence: {enabled: true, exe: [%s], min_calls: 1500, stable_calls: 700, pin_dir: %s, burst: 0s, alert_frame: 1}
                    alerts: {cooldown: 1h, rate_limit: 0}
                    outputs:
                      stdout: {format: json}
                      file: {path: %s}
                      syslog: {address: "udp:127.0.0.1:%d", format: json}
                      webhook: {url: "http://127.0.0.1:%d/hook", batch: 1, backoff: 50ms}
                    """.formatted(dir.resolve("state"), seq, pin, file, udp.getLocalPort(), hook.getAddress().getPort()));
            Path rec = dir.resolve("recorded");
            try (LiveVigil agent = new LiveVigil(dir.resolve("agent.err"), "agent", "--config", config.toString()).pins(pin)) {
                agent.awaitStderr("watching 1 executable(s)");
                record(rec, seq, "0", "200");
                record(rec, seq, "0", "200");
                List<JsonNode> learnt = agent.drain();
                assertThat(learnt).as("stderr: %s", agent.stderr()).hasSize(1);
                assertThat(learnt.getFirst().path("kind").asText()).isEqualTo("profile_state");
                assertThat(learnt.getFirst().path("severity").asText()).isEqualTo("info");
                assertThat(learnt.getFirst().path("summary").asText()).startsWith("the profile of " + seq + " is now normal");

                record(rec, seq, "0", "200");
                assertThat(agent.drain()).as("an unchanged run after learning").isEmpty();

                record(rec, seq, "1", "200");
                List<JsonNode> changed = agent.drain();
                assertThat(changed).isNotEmpty().allSatisfy(a -> assertThat(a.path("kind").asText()).isEqualTo("anomaly"));
                JsonNode first = changed.getFirst();
                assertThat(first.path("host").asText()).isEqualTo("test-host");
                assertThat(first.path("evidence").path("syscall").asText()).isEqualTo("geteuid");
                assertThat(first.path("process").path("exe").asText()).isEqualTo(seq.toString());
                assertThat(first.path("process").path("cmdline").toString()).isEqualTo("[\"" + seq + "\",\"1\",\"200\"]");
                assertThat(first.path("ancestry").get(0).path("pid").asLong()).as("the test JVM started it").isEqualTo(ProcessHandle.current().pid());
                // the thread's user stack at the anomalous call, read in the kernel: seqwork makes its calls itself (no libc);
                // symbolized when the process was still there to read its mappings, else its address alone
                JsonNode top = first.path("evidence").path("stack").get(0);
                assertThat(top).as(first.toString()).isNotNull();
                assertThat(top.path("address").asText()).startsWith("0x");
                if (top.has("binary")) assertThat(top.path("binary").asText()).isEqualTo(seq.toString());

                // every output got the same alerts, field for field
                List<JsonNode> all = new ArrayList<>(learnt);
                all.addAll(changed);
                sequential = all.size();
                for (int i = 0; i < 50 && (hooked.size() < all.size() || syslog.size() < all.size()); i++) Thread.sleep(100);
                List<JsonNode> inFile = new ArrayList<>();
                for (String l : Files.readAllLines(file)) inFile.add(JSON.readTree(l));
                List<JsonNode> inSyslog = new ArrayList<>();
                for (String m : syslog) inSyslog.add(JSON.readTree(m.substring(m.indexOf("] {") + 2)));
                assertThat(inFile).isEqualTo(all);
                assertThat(inSyslog).isEqualTo(all);
                assertThat(hooked).isEqualTo(all);
                int pri = 3 * 8 + (first.path("severity").asText().equals("low") ? 5 : 4); // daemon, notice or warning
                assertThat(syslog.get(1)).startsWith("<" + pri + ">1 ").contains(" test-host vigil ", " anomaly [vigil@32473 detector=\"sequence\"");

                // the same change again: every alert is a repeat within the cooldown
                record(rec, seq, "1", "200");
                assertThat(agent.drain()).as("repeats within the cooldown").isEmpty();

                // logrotate: move the file, SIGHUP, and the next alert starts a new file
                Files.move(file, dir.resolve("log/alerts.json.1"));
                agent.signal("HUP");
                agent.awaitStderr("SIGHUP: reopened " + file);
                record(rec, seq, "2", "20", seq.toString()); // forks: new sequences
                List<JsonNode> forked = agent.drain();
                assertThat(forked).isNotEmpty();
                assertThat(Files.readAllLines(file)).hasSize(forked.size());

                assertThat(Path.of(pin, "pairs")).as("maps pinned for vigil profiles").exists();
                assertThat(agent.stop()).as("SIGTERM: 128 + 15 after the clean shutdown").isEqualTo(143);
                String err = agent.stderr();
                assertThat(err).contains("saved to " + dir.resolve("state/profiles.vigil"))
                        .containsPattern("alerts raised, " + (all.size() + forked.size()) + " emitted, [1-9][0-9]* suppressed as repeats, 0 over the rate limit");
            } finally {
                hook.stop(0);
                udp.close();
                rx.join(2000);
            }
        }
        assertThat(Path.of(pin)).as("pins removed").doesNotExist();
        assertThat(dir.resolve("state/profiles.vigil")).exists();

        // the same calls, recorded while the agent watched, replayed through the agent's sequence detector (its Java twin):
        // the same alerts, field for field, but the time (and the context /proc gave the live run)
        Path replayed = dir.resolve("replayed.json");
        Path again = Files.writeString(dir.resolve("replay.yaml"), "host: test-host\n"
                + "detectors:\n  sequence: {enabled: true, exe: [" + seq + "], min_calls: 1500, stable_calls: 700, burst: 0s, alert_frame: 1}\n"
                + "alerts: {cooldown: 1h, rate_limit: 0}\n"
                + "outputs:\n  file: {path: " + replayed + "}\n");
        Cli r = Cli.run("agent", "--config", again.toString(), "--replay", dir.resolve("recorded").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<JsonNode> live = new ArrayList<>(), offline = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("log/alerts.json.1"))) live.add(JSON.readTree(l));
        for (String l : Files.readAllLines(file)) live.add(JSON.readTree(l));
        for (String l : Files.readAllLines(replayed)) offline.add(JSON.readTree(l));
        // what each process did is the same; the order and the profile-wide counters (calls, anomalies) can differ only
        // where processes of one profile ran at once (the forking run), since traces hold no times per call
        // (trace files hold no stacks: a live summary's "at FUNCTION <- ... (BINARY)" is not in the replay's)
        assertThat(offline.stream().map(n -> n.get("summary").asText()).sorted().toList()).as("replayed")
                .isEqualTo(live.stream().map(n -> n.get("summary").asText().replaceAll("\\] at .*? \\((\\d+ unseen)", "] ($1")).sorted().toList());
        // the alerts before the forking run: identical, in order, field for field
        for (int i = 0; i < sequential; i++) {
            for (String f : List.of("detector", "kind", "severity", "summary", "evidence", "profile", "dedup_key", "suppressed")) {
                JsonNode l = live.get(i).get(f);
                if (f.equals("evidence") && l.has("stack")) l = ((com.fasterxml.jackson.databind.node.ObjectNode) l.deepCopy()).without("stack"); // trace files hold no stacks
                if (f.equals("summary")) l = new com.fasterxml.jackson.databind.node.TextNode(l.asText().replaceAll("\\] at .*? \\((\\d+ unseen)", "] ($1"));
                assertThat(offline.get(i).get(f)).as("alert %d: %s", i, f).isEqualTo(l);
            }
            for (String f : List.of("pid", "tid", "comm", "exe")) {
                assertThat(offline.get(i).get("process").get(f)).as("alert %d: process.%s", i, f).isEqualTo(live.get(i).get("process").get(f));
            }
        }
        assertThat(r.err()).contains("replayed 9 processes").contains("20 emitted, 10 suppressed as repeats"); // 5 runs of one process each, and the forking run of 4
    }

    /** Runs the workload under vigil record (the agent sees it as it would see it run directly), into rec. */
    static void record(Path rec, Path exe, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("record", "--out", rec.toString(), "--", exe.toString()));
        a.addAll(List.of(args));
        Cli c = Cli.run(a.toArray(String[]::new));
        assertThat(c.exit()).as(c.err()).isZero();
    }

    @Test
    void badConfigsAndOutputsFailWithOneLine(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "outputs:\n  file: {path: /x, keep: many}\n");
        Cli c = Cli.run("agent", "--config", bad.toString());
        assertThat(c.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(c.error().strip()).isEqualTo("vigil: " + bad + ":2: outputs.file.keep: 'many' is not a whole number from 0 to 1000");

        Cli missing = Cli.run("agent", "--config", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(missing.error()).contains("nope.yaml: no such file");

        Files.writeString(dir.resolve("a-file"), "x");
        Path unwritable = Files.writeString(dir.resolve("out.yaml"), "outputs:\n  file: {path: " + dir.resolve("a-file/alerts.json") + "}\n");
        Cli out = Cli.run("agent", "--config", unwritable.toString());
        assertThat(out.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(out.error()).startsWith("vigil: " + unwritable + ": output file: cannot open");

        Cli printed = Cli.run("agent", "--config", Files.writeString(dir.resolve("ok.yaml"), "alerts: {cooldown: 5m}\n").toString(), "--print-config");
        assertThat(printed.exit()).isZero();
        assertThat(printed.out()).contains("cooldown: 300s").contains("state_dir: /var/lib/vigil");
    }
}
