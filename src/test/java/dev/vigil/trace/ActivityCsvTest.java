package dev.vigil.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ActivityCsvTest {
    @TempDir Path dir;

    @Test
    void readsAFileWrittenByEvilsocketsTool() throws Exception {
        Path fixture = Path.of(getClass().getResource("/fixtures/evilsocket-activity.csv").toURI());
        ActivityCsv.Data d = ActivityCsv.read(fixture);
        assertThat(d.width()).isEqualTo(512);
        assertThat(d.samples()).hasSize(12);
        assertThat(d.samples().getFirst().time()).isEqualTo(1676466355.123456);
        assertThat(d.droppedTruncatedLastRow()).isFalse();
        for (ActivityCsv.Sample s : d.samples()) {
            assertThat(s.values()[2]).isZero();
            assertThat(s.values()[0]).isIn(0.0, 0.5, 1.0, 0.09090909090909094, 1e-05, 0.3333333333333333);
        }
    }

    @RepeatedTest(5)
    void roundTripIsExact(org.junit.jupiter.api.RepetitionInfo info) throws Exception {
        Random r = new Random(info.getCurrentRepetition());
        Path f = dir.resolve("a.csv");
        double[][] rows = new double[50][512];
        try (ActivityCsv.Writer w = new ActivityCsv.Writer(f, 512, false)) {
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < 512; j++) rows[i][j] = r.nextInt(4) == 0 ? r.nextDouble() * (r.nextBoolean() ? 1 : 1e-7) : 0.0;
                w.write(1700000000.25 + i, rows[i]);
            }
        }
        ActivityCsv.Data d = ActivityCsv.read(f);
        assertThat(d.samples()).hasSize(50);
        for (int i = 0; i < rows.length; i++) {
            assertThat(d.samples().get(i).values()).containsExactly(rows[i]);
            assertThat(d.samples().get(i).time()).isEqualTo(1700000000.25 + i);
        }
        assertThat(Files.readAllLines(f).getFirst()).startsWith("sample_time,sys_0,sys_1,").endsWith(",sys_511");
    }

    @Test
    void refusesToOverwriteUnlessForced() throws IOException {
        Path f = dir.resolve("a.csv");
        Files.writeString(f, "keep me");
        assertThatThrownBy(() -> new ActivityCsv.Writer(f, 512, false)).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(Files.readString(f)).isEqualTo("keep me");
        new ActivityCsv.Writer(f, 512, true).close();
        assertThat(Files.readString(f)).startsWith("sample_time,");
    }

    @Test
    void aRowCutShortByAKillIsDroppedNotFatal() throws IOException {
        Path f = dir.resolve("a.csv");
        try (ActivityCsv.Writer w = new ActivityCsv.Writer(f, 4, false)) {
            w.write(1, new double[] {0.5, 0, 0, 0});
        }
        Files.writeString(f, "2.000000,0.5,0.2", java.nio.file.StandardOpenOption.APPEND);
        ActivityCsv.Data d = ActivityCsv.read(f);
        assertThat(d.samples()).hasSize(1);
        assertThat(d.droppedTruncatedLastRow()).isTrue();
    }

    @Test
    void malformedFilesNameTheLineAndProblem() throws IOException {
        assertBad("", "x.csv: empty file (no header)");
        assertBad("time,sys_0\n1,2\n", "x.csv:1: header must start with sample_time,sys_0 (found \"time,sys_0\")");
        assertBad("sample_time,sys_0,sys_2\n", "x.csv:1: column 3 must be sys_1, found \"sys_2\"");
        assertBad("sample_time,sys_0,sys_1\n1.0,0.5\n2.0,0.1,0.2\n", "x.csv:2: expected 3 fields, found 2");
        assertBad("sample_time,sys_0,sys_1\n1.0,0.5,abc\n", "x.csv:2: column 3 is not a finite number: \"abc\"");
        assertBad("sample_time,sys_0,sys_1\n1.0,0.5,NaN\n", "x.csv:2: column 3 is not a finite number: \"NaN\"");
        assertThatThrownBy(() -> ActivityCsv.read(dir.resolve("missing.csv"))).hasMessageEndingWith("missing.csv: no such file");
    }

    private void assertBad(String content, String message) throws IOException {
        Path f = dir.resolve("x.csv");
        Files.writeString(f, content);
        assertThatThrownBy(() -> ActivityCsv.read(f)).isInstanceOf(ActivityCsv.FormatException.class).hasMessage(message);
    }
}
