package dev.vigil.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.syscall.SyscallTable;
import dev.vigil.trace.TraceFolder;
import dev.vigil.trace.TraceFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trace folders written by TraceFolder (record's writer) replay as the exact observer calls that made them. */
class ReplaySourceTest {
    /** Writes what it is told as lines. */
    static final class Log implements ProcessObserver {
        final List<String> lines = new ArrayList<>();
        final SyscallTable t = SyscallTable.host();
        public void call(int tgid, int tid, int nr) { lines.add("call " + tgid + " " + t.name(nr)); }
        public void fork(int parent, int child, String comm) { lines.add("fork " + parent + " " + child + " " + comm); }
        public void exec(int tgid, String comm, String file) { lines.add("exec " + tgid + " " + comm + " " + file); }
        public void exit(int tgid, int status) { lines.add("exit " + tgid + " " + status); }
        public void attach(int tgid, int parent, String comm, String exe, boolean named) { lines.add("attach " + tgid + " " + parent + " " + comm + " " + named); }
        public void launched(int pid, String name) { lines.add("launched " + pid); }
        public void periodic() { }
        public boolean allDone() { return false; }
        public boolean execSeen(int pid) { return false; }
    }

    @Test
    void replaysProcessesInTheOrderTheyStartedWithTheirCallsExecsAndExits(@TempDir Path dir) throws Exception {
        SyscallTable t = SyscallTable.host();
        try (TraceFolder f = new TraceFolder(dir)) {
            f.begin(100, 1, "sh", "started by vigil record");
            f.note(100, "exec /usr/bin/a-very-long-program-name", "a-very-long-pro");
            for (String c : List.of("read", "write", "clone")) f.call(100, t.number(c).orElseThrow());
            Thread.sleep(5); // a later start time
            f.begin(101, 100, "a-very-long-pro", "forked by 100");
            f.call(101, t.number("getpid").orElseThrow());
            f.finish(101, "killed by signal 9", 0);
            f.call(100, t.number("wait4").orElseThrow());
            f.finish(100, "exited with code 3", 0);
        }
        Log log = new Log();
        ReplaySource.Summary s = ReplaySource.replay(dir, log);
        assertThat(s).isEqualTo(new ReplaySource.Summary(2, 5));
        assertThat(log.lines).containsExactly(
                "attach 100 1 sh true", "exec 100 a-very-long-pro /usr/bin/a-very-long-program-name",
                "call 100 read", "call 100 write", "call 100 clone", "call 100 wait4", "exit 100 768",
                "fork 100 101 a-very-long-pro", "call 101 getpid", "exit 101 9");
    }

    @Test
    void aChildIsForkedWhereItsParentsTraceSaysSo(@TempDir Path dir) throws Exception {
        SyscallTable t = SyscallTable.host();
        try (TraceFolder f = new TraceFolder(dir)) {
            f.begin(100, 1, "p", "attached");
            f.call(100, t.number("read").orElseThrow());
            f.call(100, t.number("clone").orElseThrow());
            f.note(100, "fork 101", null); // what TraceRecording writes at the fork event
            f.begin(101, 100, "p", "forked by 100");
            f.call(100, t.number("wait4").orElseThrow());
            f.call(101, t.number("getpid").orElseThrow());
            f.finish(101, "exited with code 0", 0);
            f.finish(100, "exited with code 0", 0);
        }
        Log log = new Log();
        ReplaySource.replay(dir, log);
        assertThat(log.lines).containsExactly("attach 100 1 p true", "call 100 read", "call 100 clone",
                "fork 100 101 p", "call 101 getpid", "exit 101 0", "call 100 wait4", "exit 100 0");
    }

    @Test
    void aFileThatIsNotARecordingIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.trace"), "read write\n");
        assertThatThrownBy(() -> ReplaySource.replay(dir, new Log())).isInstanceOf(TraceFormat.FormatException.class)
                .hasMessage(dir.resolve("x.trace") + ":1: not a vigil record trace (its first lines must be '# vigil record: pid ...' and '# started ...')");
        Files.writeString(dir.resolve("x.trace"), "# vigil record: pid 5, parent 1, comm x, arch " + SyscallTable.hostArch()
                + "\n# started 2026-01-01T00:00:00Z (attached)\nread frobnicate\n");
        assertThatThrownBy(() -> ReplaySource.replay(dir, new Log())).hasMessage(dir.resolve("x.trace") + ":3: unknown system call 'frobnicate'");
        assertThatThrownBy(() -> ReplaySource.replay(dir.resolve("none"), new Log())).isInstanceOf(TargetException.class)
                .hasMessage("--replay " + dir.resolve("none") + ": no such folder");
    }
}
