package dev.vigil.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyscallTableTest {
    @Test
    void knownNumbersPerArchitecture() {
        SyscallTable x = SyscallTable.of("x86_64");
        assertThat(x.name(0)).isEqualTo("read");
        assertThat(x.name(59)).isEqualTo("execve");
        assertThat(x.name(110)).isEqualTo("getppid");
        assertThat(x.name(231)).isEqualTo("exit_group");
        assertThat(x.number("openat")).contains(257);
        SyscallTable a = SyscallTable.of("aarch64");
        assertThat(a.name(56)).isEqualTo("openat");
        assertThat(a.name(80)).isEqualTo("fstat");
        assertThat(a.name(221)).isEqualTo("execve");
        assertThat(a.number("open")).isEmpty(); // arm64 has no open(2)
        SyscallTable i = SyscallTable.of("i386");
        assertThat(i.name(102)).isEqualTo("socketcall");
        assertThat(i.name(192)).isEqualTo("mmap2");
        assertThat(i.name(252)).isEqualTo("exit_group");
    }

    @Test
    void unknownNumbersPrintAsSyscallN() {
        assertThat(SyscallTable.of("x86_64").name(511)).isEqualTo("syscall_511");
        assertThat(SyscallTable.of("x86_64").number("syscall_511")).contains(511);
        assertThat(SyscallTable.of("amd64").arch()).isEqualTo("x86_64");
    }

    /** The committed tables are exactly what the generator derives from this machine's UAPI headers. */
    @Test
    void committedTablesMatchTheUapiHeaders(@TempDir Path out) throws Exception {
        Process p = new ProcessBuilder("bash", "tools/gen-syscall-tables.sh", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(log).isTrue();
        for (String arch : new String[] {"x86_64", "i386", "aarch64"}) {
            assertThat(Files.readString(out.resolve(arch + ".tsv")))
                    .as(arch).isEqualTo(Files.readString(Path.of("src/main/resources/dev/vigil/syscalls/" + arch + ".tsv")));
        }
        assertThat(SyscallTable.of("x86_64").size()).isGreaterThan(350);
    }
}
