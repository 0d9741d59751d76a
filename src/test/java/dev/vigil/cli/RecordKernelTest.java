package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import dev.vigil.trace.TraceDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vigil record against workloads whose system calls are exactly known: a libc-free static
 * binary that forks and execs (src/test/c/seqwork.c), and a running process attached by
 * pid (getppid_loop). The recordings then feed vigil evaluate as they are.
 */
@KernelTest
class RecordKernelTest {
    static final String LOOP = "getpid getppid getuid getgid";

    /** The call lines of a trace file (comments dropped), joined by spaces. */
    static String calls(Path f) throws Exception {
        return String.join(" ", Files.readAllLines(f).stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList());
    }

    static List<Path> traces(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void recordsACommandAndEveryProcessItForksExactly(@TempDir Path dir) throws Exception {
        Path seq = Native.helper("seqwork");
        Cli r = Cli.run("record", "--out", dir.toString(), "--", seq.toString(), "2", "3", seq.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<Path> files = traces(dir);
        assertThat(files).hasSize(4).allMatch(f -> f.getFileName().toString().matches("seqwork-\\d+\\.trace"));
        List<String> seen = new ArrayList<>();
        for (Path f : files) seen.add(calls(f));
        Collections.sort(seen);
        String child = "execve " + String.join(" ", Collections.nCopies(3, LOOP)) + " exit_group";
        // the parent from its first call after the launcher's exec; the children from their fork
        assertThat(seen).containsExactly(child, child, "exit_group", "fork fork fork wait4 wait4 wait4 exit_group");
        Path parent = files.stream().filter(f -> {
            try { return calls(f).startsWith("fork"); } catch (Exception e) { return false; }
        }).findFirst().orElseThrow();
        String text = Files.readString(parent);
        assertThat(text).contains("(started by vigil record)", "# exec " + seq, "# end: exited with code 0; 7 calls");
        assertThat(r.err()).contains("recorded 4 processes, 36 calls, none lost");
    }

    @Test
    void attachesToARunningProcessByPid(@TempDir Path dir) throws Exception {
        int n = 100_000;
        try (Native.GetppidLoop loop = Native.getppidLoop(n)) {
            CompletableFuture<Cli> rec = CompletableFuture.supplyAsync(
                    () -> Cli.run("record", "--pid", Long.toString(loop.pid()), "--out", dir.toString(), "--duration", "60"));
            Path part = dir.resolve(loop.pid() + ".trace.part");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(part) && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(part).as("recording started").exists();
            Thread.sleep(200); // the attach and its map update come before the file; be generous
            loop.go();
            Cli r = rec.get(60, TimeUnit.SECONDS);
            assertThat(r.exit()).as(r.err()).isZero();
            Path f = dir.resolve("getppid_loop-" + loop.pid() + ".trace");
            // blocked in read(0) when attached: then exactly n getppid and the exit
            assertThat(calls(f)).isEqualTo(String.join(" ", Collections.nCopies(n, "getppid")) + " exit_group");
            assertThat(Files.readString(f)).contains("(attached)", "# end: exited with code 0; " + (n + 1) + " calls\n");
            assertThat(r.err()).contains("none lost");
        }
    }

    @Test
    void recordingsAreAnEvaluationDatasetAsTheyAre(@TempDir Path dir) throws Exception {
        Path seq = Native.helper("seqwork");
        String[][] runs = {{"train", "0", "40"}, {"train", "0", "60"}, {"train", "0", "30"}, {"normal", "0", "50"}, {"normal", "0", "70"},
            {"inserted", "1", "50"}, {"inserted", "1", "80"}};
        for (String[] run : runs) {
            Cli r = Cli.run("record", "--out", dir.resolve(run[0]).toString(), "--", seq.toString(), run[1], run[2]);
            assertThat(r.exit()).as(r.err()).isZero();
        }
        TraceDataset d = TraceDataset.folders(dir, "x86_64");
        assertThat(d.train()).hasSize(3);
        assertThat(d.normal()).hasSize(2);
        assertThat(d.attack()).hasSize(2).allMatch(t -> t.kind().equals("inserted"));
        assertThat(d.normal().stream().mapToInt(t -> t.calls().length)).containsExactlyInAnyOrder(4 * 50 + 1, 4 * 70 + 1);
        Cli eval = Cli.run("evaluate", "--dataset", "folders", "--path", dir.toString(), "--detector", "stide:n=3",
                "--detector", "lookahead", "--out", dir.resolve("eval").toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        // geteuid getegid inside the loop is unseen in training; the normal runs are not
        List<String> rows = Files.readAllLines(dir.resolve("eval/scores.csv"));
        assertThat(rows.stream().filter(l -> l.startsWith("stide") && l.contains(",normal,")).map(l -> l.split(",")[5]))
                .hasSize(2).allMatch(s -> Double.parseDouble(s) == 0.0);
        assertThat(rows.stream().filter(l -> l.startsWith("stide") && l.contains(",attack,")).map(l -> l.split(",")[5]))
                .hasSize(2).allMatch(s -> Double.parseDouble(s) > 0.0);
        assertThat(eval.out()).containsPattern("\\| stide n=3 +\\| 1\\.000 \\|");
    }

    @Test
    void aKilledProcessEndsItsTraceWithTheSignal(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("record", "--out", dir.toString(), "--", "/bin/sh", "-c", "kill -KILL $$");
        assertThat(r.exit()).as(r.err()).isZero();
        List<Path> files = traces(dir);
        assertThat(files).hasSize(1);
        String text = Files.readString(files.getFirst());
        assertThat(text).contains("# exec /bin/sh").containsPattern("# end: killed by signal 9; \\d+ calls\n$");
        assertThat(calls(files.getFirst())).endsWith("kill");
    }

    /**
     * record --probes with entry/return pairs on probe_target's vigil_t_outer -> vigil_t_middle -> vigil_t_inner: each
     * of its N rounds makes getppid in vigil_t_inner, then getpid in vigil_t_outer once vigil_t_middle has returned.
     * The trace says exactly that, a line before each change of function; the kernel's uretprobe trampoline calls
     * (a probed function returning) are not in it; the calls are those of a recording without probes.
     */
    @Test
    void withProbesEachCallIsMarkedWithTheFunctionsItWasMadeIn(@TempDir Path dir) throws Exception {
        Path exe = Native.helper("probe_target");
        Path cfg = Files.writeString(dir.resolve("probes.yaml"), """
                probes:
                  - {name: outer, uprobe: "%1$s:vigil_t_outer", return: true}
                  - {name: middle, uprobe: "%1$s:vigil_t_middle", return: true}
                  - {name: inner, uprobe: "%1$s:vigil_t_inner", return: true}
                  - {name: add, uprobe: "%1$s:vigil_t_add", return: true}
                """.formatted(exe));
        int n = 4;
        Cli r = Cli.run("record", "--probes", cfg.toString(), "--out", dir.resolve("with").toString(), "--", exe.toString(), Integer.toString(n), "now");
        assertThat(r.exit()).as(r.err()).isZero();
        Path f = traces(dir.resolve("with")).getFirst();
        List<String> lines = Files.readAllLines(f);
        String inner = "# in vigil_t_inner <- vigil_t_middle <- vigil_t_outer", outer = "# in vigil_t_outer";
        List<String> marked = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("# in ")) marked.add(l);
            else if (!l.startsWith("#") && !marked.isEmpty() && !marked.getLast().startsWith("# in no")) marked.add(l);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) expected.addAll(List.of(inner, "getppid", outer, "getpid"));
        expected.add("# in no probed function");
        assertThat(marked).as(String.join("\n", lines)).containsExactlyElementsOf(expected);
        assertThat(calls(f)).doesNotContain("syscall_335", "uretprobe");
        assertThat(r.err()).containsPattern("vigil_t_inner +" + n + "  getppid " + n).containsPattern("vigil_t_outer +" + n + "  getpid " + n)
                .satisfies(e -> { if (System.getProperty("os.arch").equals("amd64")) assertThat(e).contains(String.format("%d calls of the kernel's uretprobe trampoline", 4 * n)); });
        Cli plain = Cli.run("record", "--out", dir.resolve("without").toString(), "--", exe.toString(), Integer.toString(n), "now");
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(calls(f)).isEqualTo(calls(traces(dir.resolve("without")).getFirst()));
        Cli none = Cli.run("record", "--probes", dir.resolve("nothing.yaml").toString(), "--", "true");
        assertThat(none.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.error()).contains("nothing.yaml: no such file");
    }

    @Test
    void badInputGetsOneLineAndACode(@TempDir Path dir) throws Exception {
        Cli nothing = Cli.run("record", "--out", dir.toString());
        assertThat(nothing.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(nothing.error()).contains("no process");
        Cli noPid = Cli.run("record", "--pid", "999999999", "--out", dir.toString());
        assertThat(noPid.exit()).isEqualTo(ExitCodes.NO_SUCH_PROCESS);
        assertThat(noPid.error()).contains("no such process: 999999999");
        Cli noCmd = Cli.run("record", "--out", dir.toString(), "--", "vigil-no-such-command-here");
        assertThat(noCmd.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(noCmd.error()).contains("no such command: vigil-no-such-command-here");
        Cli self = Cli.run("record", "--pid", Long.toString(ProcessHandle.current().pid()), "--out", dir.toString());
        assertThat(self.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(self.error()).contains("cannot follow itself");
        Cli ring = Cli.run("record", "--ring-mb", "3", "--", "true");
        assertThat(ring.exit()).isEqualTo(ExitCodes.USAGE);
        Path file = Files.writeString(dir.resolve("f"), "x");
        Cli outFile = Cli.run("record", "--out", file.toString(), "--", "true");
        assertThat(outFile.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(outFile.error()).contains("is a file");
        assertThat(traces(dir)).containsExactly(file);
    }
}
