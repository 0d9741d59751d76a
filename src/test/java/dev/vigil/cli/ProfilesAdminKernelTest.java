package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.event.ProfileKey;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vigil profiles normalize / tolerize / sensitize / list` against a real `vigil watch`
 * running in a child JVM: each action must change what the kernel then does with the
 * static workload seqwork (src/test/c/seqwork.c), seen in watch's JSON alerts.
 */
@KernelTest
class ProfilesAdminKernelTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static void run(Path exe, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    static List<JsonNode> kind(List<JsonNode> lines, String kind) {
        String k = kind.equals("state") ? "profile_state" : kind;
        return lines.stream().filter(n -> n.path("kind").asText().equals(k)).toList();
    }

    /** The list row of one profile, split on blanks. */
    static String[] row(Cli list, String name) {
        return list.out().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name)).findFirst()
                .map(l -> l.trim().split("\\s+")).orElseThrow(() -> new AssertionError("no row for " + name + " in\n" + list.out()));
    }

    @Test
    void normalizeTolerizeAndSensitizeChangeWhatTheRunningWatchDoes(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("adm-a"), unused = dir.resolve("adm-unused");
        for (Path p : List.of(a, unused)) {
            Files.copy(Native.helper("seqwork"), p, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String key = ProfileKey.of(a).toString();
        String pin = "/sys/fs/bpf/vigil-test-" + ProcessHandle.current().pid();
        Path saved = dir.resolve("profiles");
        try (LiveVigil w = new LiveVigil(dir.resolve("watch.err"), "watch", "--json", "--exe", a.toString(), "--exe", unused.toString(), "--pin-dir", pin, "--profiles", saved.toString(),
                "--min-calls", "100000000", "--stable-calls", "1").pins(pin)) {
            for (int i = 0; i < 300 && !Files.exists(Path.of(pin, "pairs")); i++) Thread.sleep(100);
            assertThat(Path.of(pin, "pairs")).as("watch pinned its maps; stderr:\n%s", w.stderr()).exists();

            // training: 801 calls, no alerts (min-calls is far away)
            run(a, "0", "200");
            assertThat(kind(w.drain(), "anomaly")).isEmpty();
            Cli list = Cli.run("profiles", "--pin-dir", pin);
            assertThat(list.exit()).isZero();
            assertThat(row(list, key)).containsExactly(key, "training", "801", "40", "0", "0");

            // normalize: the inserted geteuid/getegid are now alerts, named, with the sequence before them
            assertThat(Cli.run("profiles", "normalize", "--exe", a.toString(), "--pin-dir", pin).exit()).isZero();
            run(a, "1", "200");
            List<JsonNode> anomalies = kind(w.drain(), "anomaly");
            assertThat(anomalies).isNotEmpty();
            JsonNode first = anomalies.getFirst();
            assertThat(first.path("evidence").path("syscall").asText()).isEqualTo("geteuid");
            assertThat(first.path("process").path("exe").asText()).isEqualTo(a.toString());
            assertThat(first.path("profile").path("key").asText()).isEqualTo(a.toString());
            assertThat(first.path("profile").path("state").asText()).isEqualTo("normal");
            assertThat(first.path("evidence").path("sequence").toString()).endsWith("\"getpid\",\"getppid\",\"getuid\",\"getgid\"]");
            assertThat(first.path("summary").asText()).contains("geteuid after [").contains("never saw");
            assertThat(anomalies.get(1).path("evidence").path("syscall").asText()).isEqualTo("getegid");
            assertThat(first.path("process").path("cmdline").toString()).as("context from the exec collector")
                    .isEqualTo("[\"" + a + "\",\"1\",\"200\"]");
            int firstTime = anomalies.size();

            // tolerize: back to training with the pairs kept, so the same run is learnt, not alerted
            assertThat(Cli.run("profiles", "tolerize", "--exe", a.toString(), "--pin-dir", pin).exit()).isZero();
            assertThat(row(Cli.run("profiles", "--pin-dir", pin), key)[1]).isEqualTo("training");
            run(a, "1", "200");
            assertThat(kind(w.drain(), "anomaly")).isEmpty();
            String[] tolerized = row(Cli.run("profiles", "--pin-dir", pin), key);
            assertThat(Long.parseLong(tolerized[3])).as("pairs learnt from the tolerized run").isGreaterThan(40);
            assertThat(tolerized[4]).as("anomalies of the normal run").isEqualTo(Integer.toString(firstTime));
            assertThat(Cli.run("profiles", "normalize", "--pid", Long.toString(ProcessHandle.current().pid()), "--pin-dir", pin).exit())
                    .as("the test JVM's java binary has no profile").isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(Cli.run("profiles", "normalize", "--exe", a.toString(), "--pin-dir", pin).exit()).isZero();
            run(a, "1", "200");
            assertThat(kind(w.drain(), "anomaly")).as("learnt while tolerized").isEmpty();

            // sensitize: everything forgotten; normalized again, every call after the first is unseen,
            // so after 13 anomalies in 128 calls the kernel tolerizes the profile by itself
            Cli sens = Cli.run("profiles", "sensitize", "--exe", a.toString(), "--pin-dir", pin);
            assertThat(sens.exit()).isZero();
            assertThat(row(Cli.run("profiles", "--pin-dir", pin), key)).containsExactly(key, "training", "0", "0", "0", "0");
            assertThat(Cli.run("profiles", "normalize", "--exe", a.toString(), "--pin-dir", pin).exit()).isZero();
            run(a, "0", "200");
            List<JsonNode> after = w.drain();
            assertThat(kind(after, "anomaly")).hasSize(13);
            List<JsonNode> states = kind(after, "state");
            assertThat(states).hasSize(1);
            assertThat(states.getFirst().path("evidence").path("reason").asText()).isEqualTo("tolerized");
            assertThat(states.getFirst().path("evidence").path("state").asText()).isEqualTo("training");
            assertThat(states.getFirst().path("severity").asText()).isEqualTo("low");

            Cli missing = Cli.run("profiles", "normalize", "--exe", unused.toString(), "--pin-dir", pin);
            assertThat(missing.exit()).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(missing.error()).contains("no profile for " + unused);

            assertThat(w.stop()).as("exit on SIGTERM (128 + 15, after the clean shutdown)").isEqualTo(143);
            assertThat(w.stderr()).contains("saved to " + saved.resolve("profiles.vigil"));
        }
        assertThat(Path.of(pin)).as("watch removed its pins").doesNotExist();
        Cli savedList = Cli.run("profiles", "--profiles", saved.toString());
        assertThat(savedList.exit()).isZero();
        assertThat(row(savedList, a.toString())).containsExactly(a.toString(), "training", "801", "40", "13", "1");
        Cli gone = Cli.run("profiles", "--pin-dir", pin);
        assertThat(gone.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(gone.error()).contains("no running vigil watch");
    }
}
