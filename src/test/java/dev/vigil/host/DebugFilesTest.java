package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stripped binary's local functions and lines, from where distributions put them: a
 * separate debug file found by build id under a debug root or by .gnu_debuglink beside the
 * binary, and the MiniDebugInfo (.gnu_debugdata) a binary embeds. Each is built here with
 * gcc, objcopy, strip and xz as distributions build them; a debug file of another build is
 * not believed.
 */
class DebugFilesTest {
    private static final String SOURCE = """
            #include <stdio.h>
            __attribute__((noinline)) static int hidden_worker(int x)
            {
            	return x * 3 + 1;
            }
            int main(int argc, char **argv)
            {
            	printf("%d\\n", hidden_worker(argc));
            	return 0;
            }
            """;

    @TempDir Path dir;
    private Path full;
    private long worker;

    @BeforeEach
    void build() throws Exception {
        Path src = Files.writeString(dir.resolve("app.c"), SOURCE);
        full = dir.resolve("app-full");
        run("gcc", "-g", "-O1", "-Wl,--build-id", "-o", full.toString(), src.toString());
        String nm = run("nm", full.toString());
        worker = nm.lines().filter(l -> l.endsWith(" hidden_worker")).map(l -> Long.parseUnsignedLong(l.split(" ")[0], 16)).findFirst().orElseThrow();
    }

    @AfterEach
    void roots() { Elf.debugRoots(List.of(Path.of("/usr/lib/debug"))); }

    @Test
    void aStrippedBinarysFunctionsAndLinesComeFromItsDebugFileByDebugLink() throws Exception {
        Path bin = stripped("app");
        Files.createDirectories(dir.resolve(".debug"));
        run("objcopy", "--only-keep-debug", full.toString(), dir.resolve(".debug/app.debug").toString());
        run("objcopy", "--add-gnu-debuglink=" + dir.resolve(".debug/app.debug"), bin.toString());
        assertThat(Elf.read(bin).functionAt(worker + 2).orElseThrow().getKey().name()).isEqualTo("hidden_worker");
        var line = Elf.read(bin).sourceAt(worker).orElseThrow();
        assertThat(line.file()).endsWith("app.c");
        assertThat(line.line()).as("its return statement, its only code at -O1").isEqualTo(4);
        assertThat(Elf.read(stripped("bare")).functionAt(worker + 2)).as("no debug file: not named").isEmpty();
    }

    @Test
    void aDebugFileIsFoundByBuildIdUnderADebugRootAndAnotherBuildsIsNotBelieved() throws Exception {
        Path bin = stripped("app");
        String id = Elf.read(bin).buildId();
        assertThat(id).hasSizeGreaterThan(8);
        Path root = dir.resolve("debug");
        Path byId = Files.createDirectories(root.resolve(".build-id").resolve(id.substring(0, 2))).resolve(id.substring(2) + ".debug");
        Elf.debugRoots(List.of(root));
        // another build of the program (its build id differs) put where this one's should be: not used
        Path other = dir.resolve("other");
        run("gcc", "-g", "-O0", "-DOTHER", "-Wl,--build-id", "-o", other.toString(), Files.writeString(dir.resolve("other.c"), SOURCE + "int other;\n").toString());
        run("objcopy", "--only-keep-debug", other.toString(), byId.toString());
        assertThat(Elf.read(bin).functionAt(worker + 2)).as("a debug file of another build").isEmpty();
        Files.delete(byId);
        run("objcopy", "--only-keep-debug", full.toString(), byId.toString());
        assertThat(Elf.read(bin).functionAt(worker + 2).orElseThrow().getKey().name()).isEqualTo("hidden_worker");
        assertThat(Elf.read(bin).sourceAt(worker).orElseThrow().line()).isEqualTo(4);
    }

    @Test
    void aDebugFileInDebuginfodsCacheIsFoundByBuildId() throws Exception {
        Path bin = stripped("app");
        String id = Elf.read(bin).buildId();
        String home = System.getProperty("user.home");
        Path cache = Files.createDirectories(dir.resolve("home/.cache/debuginfod_client").resolve(id));
        run("objcopy", "--only-keep-debug", full.toString(), cache.resolve("debuginfo").toString());
        System.setProperty("user.home", dir.resolve("home").toString());
        try {
            org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("DEBUGINFOD_CACHE_PATH") == null, "DEBUGINFOD_CACHE_PATH set");
            assertThat(Elf.read(bin).functionAt(worker + 2).orElseThrow().getKey().name()).isEqualTo("hidden_worker");
        } finally {
            System.setProperty("user.home", home);
        }
    }

    @Test
    void miniDebugInfoNamesAStrippedBinarysLocalFunctions() throws Exception {
        // as Fedora builds it: the functions .dynsym lacks, in an xz-compressed ELF of their own, added as .gnu_debugdata
        Path bin = stripped("app");
        Path mini = dir.resolve("mini.debug");
        run("objcopy", "--only-keep-debug", full.toString(), mini.toString());
        run("objcopy", "-S", "--remove-section", ".comment", "--keep-symbol=hidden_worker", mini.toString(), dir.resolve("mini").toString());
        run("xz", "--keep", dir.resolve("mini").toString());
        run("objcopy", "--add-section", ".gnu_debugdata=" + dir.resolve("mini.xz"), bin.toString());
        Elf e = Elf.read(bin);
        assertThat(e.debugFile().orElseThrow().path().toString()).endsWith("app[.gnu_debugdata]");
        assertThat(e.functionAt(worker + 2).orElseThrow().getKey().name()).isEqualTo("hidden_worker");
        assertThat(e.sourceAt(worker)).as("MiniDebugInfo holds no lines").isEmpty();
    }

    /** The program built with -g, stripped of everything (as a distribution ships it). */
    private Path stripped(String name) throws Exception {
        Path bin = dir.resolve(name);
        Files.copy(full, bin);
        run("strip", "--strip-all", bin.toString());
        return bin;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }
}
