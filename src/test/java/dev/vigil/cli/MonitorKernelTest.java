package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vigil monitor, fitted on traces vigil record wrote, watching the static workload live:
 * the run with geteuid getegid inserted raises exactly one alert that names them; the
 * normal run raises none.
 */
@KernelTest
class MonitorKernelTest {
    @Test
    void alertsOnceOnTheInsertedCallsAndNeverOnTheNormalRun(@TempDir Path dir) throws Exception {
        Path seq = Native.helper("seqwork");
        for (String n : List.of("300", "400", "500", "350")) {
            assertThat(Cli.run("record", "--out", dir.resolve("train").toString(), "--", seq.toString(), "0", n).exit()).isZero();
        }
        String[] base = {"monitor", "--train", dir.resolve("train").toString(), "--detector", "stide:n=4", "--window", "40", "--step", "10"};
        Path rec = dir.resolve("recorded");
        Cli bad = Cli.run(concat(base, "--json", "--record", rec.toString(), "--", seq.toString(), "1", "400"));
        assertThat(bad.exit()).as(bad.err()).isZero();
        List<String> lines = bad.out().lines().toList();
        assertThat(lines).hasSize(1);
        JsonNode a = new ObjectMapper().readTree(lines.getFirst());
        assertThat(a.get("detector").asText()).isEqualTo("stide n=4");
        assertThat(a.get("process").get("exe").asText()).isEqualTo(seq.toString()); // from the exec event
        JsonNode ev = a.get("evidence");
        assertThat(ev.get("threshold").asDouble()).isZero(); // every held-out window is a seen loop
        assertThat(ev.get("score").asDouble()).isPositive();
        // the first unseen 4-gram ends in the first inserted call, after iteration 200 of 400
        assertThat(ev.get("calls").toString()).isEqualTo("[\"getppid\",\"getuid\",\"getgid\",\"geteuid\"]");
        assertThat(ev.get("call_index").asLong()).isEqualTo(200 * 4 + 1);
        assertThat(ev.get("before")).hasSize(8);
        assertThat(a.get("summary").asText()).contains("getppid getuid getgid geteuid at call 801");
        assertThat(bad.err()).contains("1 process watched, 1 alert").containsPattern("seqwork +1603 +");

        // replaying what was recorded while monitoring gives the same alert: the detection code cannot tell
        Cli replayed = Cli.run(concat(base, "--json", "--replay", rec.toString()));
        assertThat(replayed.exit()).as(replayed.err()).isZero();
        List<String> again = replayed.out().lines().toList();
        assertThat(again).hasSize(1);
        JsonNode r = new ObjectMapper().readTree(again.getFirst());
        for (String f : List.of("detector", "kind", "severity", "summary", "evidence", "dedup_key")) assertThat(r.get(f)).as(f).isEqualTo(a.get(f));
        for (String f : List.of("pid", "comm", "exe")) assertThat(r.get("process").get(f)).as(f).isEqualTo(a.get("process").get(f));
        assertThat(replayed.err()).contains("replayed 1 process, 1,603 calls").contains("1 process watched, 1 alert");

        // fitted once and saved, then loaded instead of refitted: the same alert
        Path model = dir.resolve("stide.vigil");
        Cli save = Cli.run(concat(base, "--json", "--save-model", model.toString(), "--replay", rec.toString()));
        assertThat(save.exit()).as(save.err()).isZero();
        assertThat(save.err()).contains("saved the fitted detector to " + model);
        Cli loaded = Cli.run("monitor", "--model", model.toString(), "--json", "--replay", rec.toString());
        assertThat(loaded.exit()).as(loaded.err()).isZero();
        assertThat(loaded.err()).contains("stide n=4 loaded from " + model + " (fitted on 4 traces");
        JsonNode l = new ObjectMapper().readTree(loaded.out().lines().findFirst().orElseThrow());
        for (String f : List.of("detector", "summary", "evidence", "dedup_key")) assertThat(l.get(f)).as(f).isEqualTo(a.get(f));
        Cli mismatch = Cli.run("monitor", "--model", model.toString(), "--window", "50", "--replay", rec.toString());
        assertThat(mismatch.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(mismatch.error()).contains("was calibrated on windows of 40 every 10");
        assertThat(Cli.run("monitor", "--model", model.toString(), "--train", dir.resolve("train").toString(), "--replay", rec.toString()).exit())
                .isEqualTo(ExitCodes.USAGE);
        Files.writeString(model, "garbage");
        Cli corrupt = Cli.run("monitor", "--model", model.toString(), "--replay", rec.toString());
        assertThat(corrupt.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(corrupt.error()).contains(model + ": not a vigil detector file");

        Cli good = Cli.run(concat(base, "--", seq.toString(), "0", "400"));
        assertThat(good.exit()).as(good.err()).isZero();
        assertThat(good.out()).isEmpty();
        assertThat(good.err()).contains("1 process watched, 0 alerts").containsPattern("seqwork +1601 +");
    }

    @Test
    void badInputGetsOneLineAndACode(@TempDir Path dir) throws Exception {
        Cli missing = Cli.run("monitor", "--train", dir.resolve("nope").toString(), "--", "true");
        assertThat(missing.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(missing.error()).contains("not a folder");
        Files.createDirectories(dir.resolve("one"));
        Files.writeString(dir.resolve("one/a.trace"), "read write close\n");
        Cli one = Cli.run("monitor", "--train", dir.resolve("one").toString(), "--", "true");
        assertThat(one.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(one.error()).contains("needs at least 2 non-empty traces");
        Files.writeString(dir.resolve("one/b.trace"), "read nosuchcall\n");
        Cli malformed = Cli.run("monitor", "--train", dir.resolve("one").toString(), "--", "true");
        assertThat(malformed.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(malformed.error()).contains("'nosuchcall' is neither");
        Cli detector = Cli.run("monitor", "--train", dir.toString(), "--detector", "magic", "--", "true");
        assertThat(detector.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(detector.error()).contains("unknown detector 'magic'");
        Cli step = Cli.run("monitor", "--train", dir.toString(), "--window", "10", "--step", "11", "--", "true");
        assertThat(step.exit()).isEqualTo(ExitCodes.USAGE);
        Cli noTarget = Cli.run("monitor", "--train", dir.toString());
        assertThat(noTarget.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(noTarget.error()).contains("no process");
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
