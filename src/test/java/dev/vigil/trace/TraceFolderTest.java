package dev.vigil.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.syscall.SyscallMapping;
import dev.vigil.syscall.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFolderTest {
    static final SyscallTable HOST = SyscallTable.host();

    @RepeatedTest(5)
    void writtenTracesReadBackAsTheSameCalls(@TempDir Path dir, org.junit.jupiter.api.RepetitionInfo rep) throws Exception {
        Random rnd = new Random(rep.getCurrentRepetition());
        int[] calls = new int[rnd.nextInt(1, 500)];
        Integer[] known = HOST.all().keySet().toArray(Integer[]::new);
        for (int i = 0; i < calls.length; i++) calls[i] = rnd.nextInt(10) == 0 ? 400 + rnd.nextInt(100) : known[rnd.nextInt(known.length)];
        TraceFolder f = new TraceFolder(dir);
        f.begin(42, 1, "web server", "attached");
        for (int i = 0; i < calls.length; i++) {
            f.call(42, calls[i]);
            if (i == calls.length / 2) f.note(42, "exec /usr/bin/x\nmore", "x");
        }
        TraceFolder.Written w = f.finish(42, "exited with code 0", 3);
        assertThat(w.file().getFileName().toString()).isEqualTo("x-42.trace");
        assertThat(w.calls()).isEqualTo(calls.length);
        String text = Files.readString(w.file());
        assertThat(text).startsWith("# vigil record: pid 42, parent 1, comm web server, arch " + HOST.arch())
                .contains("# exec /usr/bin/x more\n").endsWith("# end: exited with code 0; " + calls.length + " calls, 3 lost (ring buffer full): the trace has gaps\n");
        assertThat(TraceFormat.parse(text, SyscallMapping.toHost(HOST.arch()), "t")).containsExactly(calls);
        assertThat(Files.list(dir).count()).isEqualTo(1); // the .part is gone
    }

    @Test
    void neverOverwritesAndKeepsFileNamesSafe(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a-7.trace"), "precious");
        TraceFolder f = new TraceFolder(dir);
        f.begin(7, 1, "a", "attached");
        f.call(7, 0);
        f.begin(8, 1, "../evil name", "attached");
        f.flush();
        assertThat(Files.readString(dir.resolve("7.trace.part"))).endsWith("\n" + HOST.name(0));
        assertThat(f.finish(7, "gone", 0).file()).isEqualTo(dir.resolve("a-7-2.trace"));
        assertThat(Files.readString(dir.resolve("a-7.trace"))).isEqualTo("precious");
        assertThat(f.hasEnded(7)).isTrue();
        f.close(); // finishes 8
        assertThat(dir.resolve(".._evil_name-8.trace")).doesNotExist();
        assertThat(dir.resolve("proc.._evil_name-8.trace")).exists();
        assertThat(f.written()).hasSize(2);
    }
}
