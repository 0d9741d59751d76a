package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @Test
    void linesComeOutInOrderAndACommittedLineNeverAgain(@TempDir Path dir) throws Exception {
        try (Spool s = new Spool(dir, 1 << 20)) {
            for (int i = 0; i < 10; i++) assertThat(s.add("line " + i + " é")).isTrue();
            List<String> a = s.peek(4, 0);
            assertThat(a).containsExactly("line 0 é", "line 1 é", "line 2 é", "line 3 é");
            assertThat(s.peek(4, 0)).as("not committed: the same again").isEqualTo(a);
            s.commit(a);
            assertThat(s.peek(100, 0)).hasSize(6).first().isEqualTo("line 4 é");
        }
    }

    @Test
    void linesLongerThanAReadBlockAndCharactersSplitAcrossBlocksComeOutWhole(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        // 3-byte characters at every offset: one of them straddles the 64 KiB block boundary; lines of 1 B to 150 KiB
        for (int len : new int[] {1, 21_845, 21_846, 50_000, 1, 0}) lines.add("€".repeat(len));
        lines.add("x".repeat(150_000));
        try (Spool s = new Spool(dir, 10 << 20)) {
            for (String l : lines) assertThat(s.add(l)).isTrue();
            assertThat(s.peek(100, 0)).isEqualTo(lines);
            assertThat(s.peek(3, 0)).isEqualTo(lines.subList(0, 3));
            s.commit(lines.subList(0, 3));
            assertThat(s.peek(100, 0)).isEqualTo(lines.subList(3, lines.size()));
        }
    }

    @Test
    void aFullSpoolRefusesLinesAndTheDeliveredPartIsReclaimed(@TempDir Path dir) throws Exception {
        try (Spool s = new Spool(dir, 100)) {
            int kept = 0;
            for (int i = 0; i < 20; i++) if (s.add("0123456789")) kept++; // 11 bytes each
            assertThat(kept).isEqualTo(9);
            assertThat(s.pending()).isEqualTo(99);
            s.commit(s.peek(5, 0));
            assertThat(s.add("0123456789")).as("room again after delivery").isTrue();
            List<String> rest = s.peek(100, 0);
            assertThat(rest).hasSize(5);
            s.commit(rest);
            assertThat(s.pending()).isZero();
            assertThat(Files.size(dir.resolve("queue"))).as("an empty queue is truncated").isZero();
        }
    }

    @Test
    void aRestartResumesAtTheLastCommitAndDropsALineCutShort(@TempDir Path dir) throws Exception {
        try (Spool s = new Spool(dir, 1 << 20)) {
            for (int i = 0; i < 5; i++) s.add("a" + i);
            s.commit(s.peek(2, 0));
        }
        Files.writeString(dir.resolve("queue"), "half-writ", StandardOpenOption.APPEND); // a crash in the middle of an append
        try (Spool s = new Spool(dir, 1 << 20)) {
            assertThat(s.peek(100, 0)).containsExactly("a2", "a3", "a4");
            s.add("a5");
            assertThat(s.peek(100, 0)).containsExactly("a2", "a3", "a4", "a5");
        }
    }

    /** A garbled position, or one past the queue (a power cut): the spool starts, says so, and delivers every line again. */
    @Test
    void aCorruptPositionDeliversTheQueueAgainAndSaysSo(@TempDir Path dir) throws Exception {
        try (Spool s = new Spool(dir, 1000)) {
            s.add("a1");
            s.add("a2");
            s.commit(s.peek(1, 0));
            assertThat(s.repaired()).isNull();
        }
        try (Spool s = new Spool(dir, 1000)) {
            assertThat(s.repaired()).isNull();
            assertThat(s.peek(10, 0)).as("a clean restart resumes after the delivered line").containsExactly("a2");
        }
        Files.writeString(dir.resolve("position"), "12x");
        try (Spool s = new Spool(dir, 1000)) {
            assertThat(s.repaired()).contains("'12x' is not a position").contains("delivered again from its start");
            assertThat(s.peek(10, 0)).containsExactly("a1", "a2");
        }
        Files.writeString(dir.resolve("position"), "500");
        try (Spool s = new Spool(dir, 1000)) {
            assertThat(s.repaired()).contains("position 500 is outside");
            assertThat(s.peek(10, 0)).containsExactly("a1", "a2");
        }
    }

    /** Random adds, partial deliveries and restarts against a list kept beside: the spool never loses, reorders or repeats a line. */
    @RepeatedTest(20)
    void randomAddsDeliveriesAndRestartsKeepEveryAcceptedLineInOrder(@TempDir Path dir) throws Exception {
        Random rnd = new Random(dir.hashCode());
        List<String> expected = new ArrayList<>(), got = new ArrayList<>();
        Spool s = new Spool(dir, 200);
        int n = 0;
        for (int step = 0; step < 400; step++) {
            switch (rnd.nextInt(4)) {
                case 0, 1 -> {
                    String l = "x".repeat(rnd.nextInt(30)) + (n++);
                    if (s.add(l)) expected.add(l);
                }
                case 2 -> {
                    List<String> b = s.peek(1 + rnd.nextInt(5), 0);
                    s.commit(b);
                    got.addAll(b);
                }
                default -> {
                    s.close();
                    s = new Spool(dir, 200);
                }
            }
        }
        List<String> rest = s.peek(10_000, 0);
        got.addAll(rest);
        s.close();
        assertThat(got).isEqualTo(expected);
    }
}
