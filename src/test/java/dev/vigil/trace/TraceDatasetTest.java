package dev.vigil.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.syscall.SyscallMapping;
import dev.vigil.syscall.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class TraceDatasetTest {
    /** ADFA-LD where this machine keeps it; CI=true fails instead of skipping when it is missing. */
    public static Path adfaLd() {
        String env = System.getenv("VIGIL_ADFA_LD");
        for (Path p : List.of(Path.of(env == null ? "/nonexistent" : env), Path.of("../shared/datasets/adfa-ld/ADFA-LD.zip"),
                Path.of("/work/shared/datasets/adfa-ld/ADFA-LD.zip"))) {
            if (Files.exists(p)) return p;
        }
        if ("true".equals(System.getenv("CI"))) throw new AssertionError("ADFA-LD.zip not found; set VIGIL_ADFA_LD");
        assumeTrue(false, "ADFA-LD.zip not found; set VIGIL_ADFA_LD");
        return null;
    }

    @Test
    void adfaLdCountsMatchItsReadme() throws Exception {
        TraceDataset d = TraceDataset.adfaLd(adfaLd());
        assertThat(d.train()).hasSize(833);
        assertThat(d.normal()).hasSize(4372);
        assertThat(d.attack()).hasSize(746);
        assertThat(TraceDataset.calls(d.train())).isEqualTo(308_077);
        assertThat(TraceDataset.calls(d.normal())).isEqualTo(2_122_085);
        assertThat(TraceDataset.calls(d.attack())).isEqualTo(317_388);
        assertThat(d.attackKinds()).isEqualTo(Map.of("Adduser", 91, "Hydra_FTP", 162, "Hydra_SSH", 176,
                "Java_Meterpreter", 124, "Meterpreter", 75, "Web_Shell", 118));
        // every call maps to a name, none to "syscall_N"
        SyscallMapping m = SyscallMapping.toHost("i386");
        for (Trace t : d.train()) for (int c : t.calls()) assertThat(m.name(c)).doesNotStartWith("syscall_");
    }

    @Test
    void readsTheSameFromTheUnpackedFolder(@TempDir Path dir) throws Exception {
        Path zip = adfaLd();
        Process p = new ProcessBuilder("unzip", "-q", zip.toAbsolutePath().toString(), "-d", dir.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        TraceDataset a = TraceDataset.adfaLd(zip), b = TraceDataset.adfaLd(dir);
        assertThat(b.train().stream().map(Trace::id).toList()).isEqualTo(a.train().stream().map(Trace::id).toList());
        assertThat(b.attack().get(17).calls()).isEqualTo(a.attack().get(17).calls());
        assertThat(b.attack().get(17).kind()).isEqualTo(a.attack().get(17).kind());
    }

    @Test
    void readsLabelledFoldersOfNamesAndNumbers(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("train"));
        Files.createDirectories(dir.resolve("normal"));
        Files.createDirectories(dir.resolve("reverse_shell"));
        Files.writeString(dir.resolve("train/a.txt"), "# a comment\nread write\nclose\n");
        Files.writeString(dir.resolve("normal/b.txt"), "0,1,3");
        Files.writeString(dir.resolve("reverse_shell/c.txt"), "socket connect dup2 execve");
        TraceDataset d = TraceDataset.folders(dir, "x86_64");
        SyscallTable h = SyscallTable.of("x86_64");
        assertThat(d.train().getFirst().calls()).containsExactly(0, 1, 3);
        assertThat(d.normal().getFirst().calls()).containsExactly(0, 1, 3);
        assertThat(d.attack().getFirst().kind()).isEqualTo("reverse_shell");
        assertThat(d.attack().getFirst().calls()).containsExactly(h.number("socket").orElseThrow(), h.number("connect").orElseThrow(),
                h.number("dup2").orElseThrow(), h.number("execve").orElseThrow());
    }

    @Test
    void malformedTraceNamesFileAndLine(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("train"));
        Files.writeString(dir.resolve("train/a.txt"), "read\nwrite frobnicate\n");
        assertThatThrownBy(() -> TraceDataset.folders(dir, "x86_64"))
                .isInstanceOf(TraceFormat.FormatException.class)
                .hasMessageContaining("a.txt:2: 'frobnicate'");
    }

    @Test
    void notAnAdfaArchiveIsRejected(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.zip");
        Files.writeString(junk, "not a zip");
        assertThatThrownBy(() -> TraceDataset.adfaLd(junk)).isInstanceOf(TraceFormat.FormatException.class).hasMessageContaining("not a zip");
        assertThatThrownBy(() -> TraceDataset.adfaLd(dir)).hasMessageContaining("not ADFA-LD");
    }
}
