package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets one clear line, a named exit code and no stack trace (no privileges needed). */
class BadInputTest {
    @TempDir Path dir;

    private static void assertOneLine(Cli r, int code, String message) {
        assertThat(r.exit()).isEqualTo(code);
        assertThat(r.error()).isEqualTo("vigil: " + message);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    @Test
    void unknownFlagsAndMissingArguments() {
        assertOneLine(Cli.run("learn", "--pid", "1", "--bogus"), ExitCodes.USAGE, "Unknown option: '--bogus' (see: vigil learn --help)");
        assertOneLine(Cli.run("run"), ExitCodes.USAGE, "missing --pid PID (the process to watch)");
        assertOneLine(Cli.run("frobnicate"), ExitCodes.USAGE, "Unmatched argument at index 0: 'frobnicate' (see: vigil --help)");
        assertOneLine(Cli.run("train", "--epochs", "many"), ExitCodes.USAGE,
                "Invalid value for option '--epochs': 'many' is not an int (see: vigil train --help)");
        assertOneLine(Cli.run("train", "--epochs", "0"), ExitCodes.USAGE, "--epochs must be at least 1");
    }

    @Test
    void malformedCsvNamesTheLine() throws Exception {
        Path csv = dir.resolve("a.csv");
        Files.writeString(csv, "sample_time,sys_0,sys_1\n1.0,0.5,0.1\n2.0,0.5\n");
        assertOneLine(Cli.run("train", "--data", csv.toString(), "--model", dir.resolve("m").toString()), ExitCodes.BAD_INPUT,
                "a.csv:3: expected 3 fields, found 2");
        assertOneLine(Cli.run("train", "--data", dir.resolve("none.csv").toString()), ExitCodes.BAD_INPUT,
                dir.resolve("none.csv") + ": no such file");
    }

    @Test
    void tooFewSamplesOrWrongWidth() throws Exception {
        Path narrow = dir.resolve("n.csv");
        Files.writeString(narrow, "sample_time,sys_0,sys_1\n1.0,0.5,0.1\n");
        assertOneLine(Cli.run("train", "--data", narrow.toString()), ExitCodes.BAD_INPUT,
                narrow + " has 2 syscall columns; vigil's histogram has 512");
        Path few = dir.resolve("f.csv");
        StringBuilder sb = new StringBuilder(dev.vigil.trace.ActivityCsv.header(512)).append('\n');
        for (int i = 0; i < 3; i++) sb.append(i).append(",0.5".repeat(512)).append('\n');
        Files.writeString(few, sb);
        assertOneLine(Cli.run("train", "--data", few.toString()), ExitCodes.BAD_INPUT,
                few + " has 3 samples; training needs at least 10 (learn for longer)");
    }

    @Test
    void corruptTruncatedAndMismatchedModels() throws Exception {
        Path good = dir.resolve("good.vigil");
        ModelFile.write(good, model("x86_64", 512));
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("t.vigil");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertOneLine(Cli.run("run", "--pid", "1", "--model", truncated.toString()), ExitCodes.BAD_INPUT,
                truncated + ": truncated model file (" + bytes.length / 2 + " of " + bytes.length + " bytes)");
        Path corrupt = dir.resolve("c.vigil");
        bytes[bytes.length - 10] ^= 0x40;
        Files.write(corrupt, bytes);
        assertOneLine(Cli.run("run", "--pid", "1", "--model", corrupt.toString()), ExitCodes.BAD_INPUT,
                corrupt + ": corrupt model file (checksum mismatch)");
        Path arm = dir.resolve("arm.vigil");
        ModelFile.write(arm, model("aarch64", 512));
        assertOneLine(Cli.run("run", "--pid", "1", "--model", arm.toString()), ExitCodes.BAD_INPUT,
                arm + ": model was trained on aarch64 syscall numbers; this machine is x86_64");
        Path narrow = dir.resolve("narrow.vigil");
        ModelFile.write(narrow, model("x86_64", 16));
        assertOneLine(Cli.run("run", "--pid", "1", "--model", narrow.toString()), ExitCodes.BAD_INPUT,
                narrow + ": model features are syscall-rate-of-change x16; run produces syscall-rate-of-change x512");
        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "sample_time,sys_0\n");
        assertOneLine(Cli.run("run", "--pid", "1", "--model", csv.toString()), ExitCodes.BAD_INPUT,
                csv + ": not a vigil model file (bad magic)");
    }

    @Test
    void noSuchPid() throws Exception {
        Path good = dir.resolve("good.vigil");
        ModelFile.write(good, model("x86_64", 512));
        assertOneLine(Cli.run("run", "--pid", "999999999", "--model", good.toString()), ExitCodes.NO_SUCH_PROCESS,
                "no such process: 999999999");
        assertOneLine(Cli.run("learn", "--pid", "999999999", "--data", dir.resolve("a.csv").toString()), ExitCodes.NO_SUCH_PROCESS,
                "no such process: 999999999");
        assertThat(dir.resolve("a.csv")).doesNotExist();
    }

    @Test
    void existingDataFileIsKeptWithoutForce() throws Exception {
        Path csv = dir.resolve("a.csv");
        Files.writeString(csv, "precious");
        assertOneLine(Cli.run("learn", "--pid", Long.toString(ProcessHandle.current().pid()), "--data", csv.toString()),
                ExitCodes.BAD_INPUT, csv + " already exists (use --force to overwrite it)");
        assertThat(Files.readString(csv)).isEqualTo("precious");
    }

    /** A model of the right shape with zero weights. */
    static ModelFile.Stored model(String arch, int width) {
        int[][] a = {{width, width}, {width, width / 2}, {width / 2, width}, {width, width}};
        String[] acts = {"relu", "linear", "relu", "linear"};
        List<ModelFile.Layer> layers = new java.util.ArrayList<>();
        for (int l = 0; l < 4; l++) layers.add(new ModelFile.Layer(a[l][0], a[l][1], acts[l], new float[a[l][0] * a[l][1]], new float[a[l][1]]));
        return new ModelFile.Stored("autoencoder", new ModelFile.FeatureSpec(ModelFile.FeatureSpec.RATE_OF_CHANGE, width, 100), arch, 1.0,
                new ModelFile.Training(100, 10, 1, 16, 1, 0, 0, 0, "a.csv"), "now", layers);
    }
}
