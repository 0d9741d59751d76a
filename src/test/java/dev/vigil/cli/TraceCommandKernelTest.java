package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vigil trace` end to end in a child JVM, and its usage errors. */
@KernelTest
class TraceCommandKernelTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Runs trace with args; once its headers are out, runs the trigger; returns the JSON lines and stderr. */
    static List<JsonNode> trace(Path dir, int headers, Runnable trigger, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "trace", "--json"));
        cmd.addAll(List.of(args));
        Path err = dir.resolve("trace.err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (int i = 0; i < headers; i++) lines.add(JSON.readTree(r.readLine()));
            trigger.run();
            for (String l; (l = r.readLine()) != null; ) lines.add(JSON.readTree(l));
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        lines.add(JSON.createObjectNode().put("kind", "stderr").put("text", Files.readString(err)));
        return lines;
    }

    static void run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void streamsExecUnlinkAndRiskyAsJsonLinesThenCounts(@TempDir Path dir) throws Exception {
        Path doomed = Files.writeString(dir.resolve("doomed"), "x");
        String risky = Native.helper("risky_work").toString();
        List<JsonNode> out = trace(dir, 3, () -> {
            run(risky);
            run("rm", doomed.toString());
        }, "exec", "unlink", "risky", "--duration", "4");
        assertThat(out.subList(0, 3).stream().map(n -> n.path("kind").asText() + ":" + n.path("collector").asText()))
                .containsExactly("header:exec", "header:unlink", "header:risky");
        assertThat(out).anySatisfy(n -> {
            assertThat(n.path("kind").asText()).isEqualTo("exec");
            assertThat(n.path("file").asText()).isEqualTo(risky);
            assertThat(n.path("argv").toString()).isEqualTo("[\"" + risky + "\"]");
        });
        assertThat(out).anySatisfy(n -> assertThat(n.path("kind").asText() + " " + n.path("detail").asText()).startsWith("risky request=ATTACH target="));
        assertThat(out).anySatisfy(n -> assertThat(n.path("kind").asText() + " " + n.path("path").asText()).isEqualTo("unlink " + doomed));
        assertThat(out).anySatisfy(n -> assertThat(n.path("kind").asText() + " " + n.path("comm").asText() + " " + n.path("code").asInt())
                .isEqualTo("exit rm 0"));
        String err = out.getLast().path("text").asText();
        assertThat(err).contains("vigil: exec: ").contains("vigil: unlink: ").contains("vigil: risky: 5 events, 0 lost");
    }

    @Test
    void runsWhatTheConfigSaysWithItsFilters(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("vigil.yaml"), """
                collectors:
                  exec: {}
                  resource: {period: 500ms, top: 3}
                filters:
                  comm: [touch]
                """);
        List<JsonNode> out = trace(dir, 2, () -> {
            run("ls", "/");
            run("touch", dir.resolve("t").toString());
        }, "--config", cfg.toString(), "--duration", "3");
        List<JsonNode> execs = out.stream().filter(n -> n.path("kind").asText().equals("exec")).toList();
        assertThat(execs).isNotEmpty().allSatisfy(n -> assertThat(n.path("comm").asText()).isEqualTo("touch"));
        List<JsonNode> samples = out.stream().filter(n -> n.path("kind").asText().equals("resource")).toList();
        assertThat(samples).hasSizeGreaterThanOrEqualTo(2);
        assertThat(samples).allSatisfy(s -> assertThat(s.path("top").size()).isLessThanOrEqualTo(3));
    }

    @Test
    void usageErrorsAreOneLineWithTheirCodes(@TempDir Path dir) throws Exception {
        Cli unknown = Cli.run("trace", "exec", "forks");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.error()).isEqualTo("vigil: unknown collector 'forks' (exec, unlink, risky, net, resource, syscalls, workload, probes)");
        Cli net = Cli.run("trace", "net");
        assertThat(net.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(net.error()).contains("net needs an interface");
        Cli noIface = Cli.run("trace", "net", "--interface", "vigil-nosuch0", "--duration", "1");
        assertThat(noIface.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(noIface.error()).isEqualTo("vigil: net: no network interface vigil-nosuch0");
        Path cfg = Files.writeString(dir.resolve("v.yaml"), "collectors:\n  exec: {}\n  syscalls: {period: 1s}\n");
        Cli sys = Cli.run("trace", "--config", cfg.toString());
        assertThat(sys.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(sys.error()).isEqualTo("vigil: " + cfg + ":3: collectors.syscalls: syscalls needs a process (--pid PID or syscalls.pid)");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "collectors:\n  net: {interface: eth0, period: soon}\n");
        Cli b = Cli.run("trace", "--config", bad.toString());
        assertThat(b.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(b.error()).isEqualTo("vigil: " + bad + ":2: collectors.net.period: 'soon' is not a duration (e.g. 500ms, 2s, 1m)");
        Cli gone = Cli.run("trace", "syscalls", "--pid", "999999999", "--duration", "1");
        assertThat(gone.exit()).isEqualTo(ExitCodes.NO_SUCH_PROCESS);
        Cli period = Cli.run("trace", "resource", "--period", "0s");
        assertThat(period.exit()).isEqualTo(ExitCodes.USAGE);
    }
}
