package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A long-running vigil command (watch, agent) in a child JVM: its JSON lines on stdout as they come, stderr to a file. */
final class LiveVigil implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final Process process;
    final LinkedBlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    final Path err;
    final Thread outReader;

    LiveVigil(Path err, String command, String... args) throws Exception {
        this.err = err;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", command));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        outReader = Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(JSON.readTree(l));
            } catch (Exception ignored) {
                // it stopped
            }
        });
    }

    /** The lines that came within a short quiet period (the ring buffer is polled every 200 ms). */
    List<JsonNode> drain() throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n; (n = lines.poll(1500, TimeUnit.MILLISECONDS)) != null; ) out.add(n);
        return out;
    }

    String stderr() throws java.io.IOException {
        return Files.readString(err);
    }

    /** Sends a signal by name (HUP, TERM). */
    void signal(String name) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor()).isZero();
    }

    /** Waits (at most 30 s) until stderr contains text. */
    void awaitStderr(String text) throws Exception {
        for (int i = 0; i < 300 && !stderr().contains(text); i++) Thread.sleep(100);
        assertThat(stderr()).contains(text);
    }

    int stop() throws InterruptedException {
        process.destroy(); // SIGTERM: saves and exits cleanly
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        outReader.join(10_000);
        return process.exitValue();
    }

    private String pins;

    /** The bpffs folder this command pins into: removed if the command has to be killed (a failed test), so nothing stays in the kernel. */
    LiveVigil pins(String dir) {
        pins = dir;
        return this;
    }

    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pins != null) {
            try (var files = Files.list(Path.of(pins))) {
                files.forEach(f -> f.toFile().delete());
            } catch (java.io.IOException ignored) {
                // nothing pinned
            }
            Path.of(pins).toFile().delete();
        }
    }
}
