package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The call-site check on arm64 code: two real arm64 shared objects built here with clang
 * --target=aarch64-linux-gnu and lld (this machine cannot run them; the check only reads
 * them). libapp.so's open_secret calls open through its PLT and via_pointer calls through
 * a function pointer (blr); libfake.so exports open and getpid, as the C library would.
 */
class Arm64CallSiteTest {
    @TempDir static Path dir;
    static Path app, lib;
    static Elf appElf, libElf;

    @BeforeAll
    static void build() throws Exception {
        Path appC = Files.writeString(dir.resolve("app.c"), """
                extern int open(const char *, int, ...);
                extern int getpid(void);
                int (*hook)(void) = getpid;
                __attribute__((noinline)) int open_secret(const char *p) { int fd = open(p, 0); asm volatile("" ::: "memory"); return fd + 1; }
                __attribute__((noinline)) int via_pointer(void) { int r = hook(); asm volatile("" ::: "memory"); return r + 1; }
                """);
        Path libC = Files.writeString(dir.resolve("libc.c"), """
                int open(const char *p, int f, ...) { return f; }
                int getpid(void) { return 7; }
                """);
        app = dir.resolve("libapp.so");
        lib = dir.resolve("libfake.so");
        for (Path[] p : new Path[][] {{libC, lib}, {appC, app}}) {
            run("clang", "--target=aarch64-linux-gnu", "-O1", "-fPIC", "-ffreestanding", "-nostdlib", "-shared", "-fuse-ld=lld", "-Wl,--build-id",
                    "-o", p[1].toString(), p[0].toString());
        }
        appElf = Elf.read(app);
        libElf = Elf.read(lib);
        assertThat(appElf.machine()).isEqualTo(Elf.AARCH64);
    }

    @Test
    void aReturnAddressJustAfterABlToTheImportTheSystemCallWasMadeInIsConsistent() {
        var c = check("open_secret", 1, "open");
        assertThat(c.consistent()).as(c.words()).isTrue();
        assertThat(c.words()).contains("is just after a direct call to open@plt, the function the system call was made in (open)");
    }

    @Test
    void aBlToAnotherImportThanTheOneTheCallWasMadeInIsNot() {
        var c = check("open_secret", 1, "getpid");
        assertThat(c.consistent()).isFalse();
        assertThat(c.words()).contains("a direct call to open@plt, not to getpid");
    }

    @Test
    void aReturnAddressAfterABlrIsAnIndirectCallAndOneAfterNoCallIsNotConsistent() {
        assertThat(check("via_pointer", 1, "getpid").words()).contains("is just after an indirect call");
        var c = check("open_secret", 2, "open"); // the instruction after the one after bl: not a call
        assertThat(c.consistent()).isFalse();
        assertThat(c.words()).contains("is not just after a call instruction");
    }

    /** The check of a return address: the nth instruction after the first bl/blr in function fn. */
    private static CallSite.Check check(String fn, int after, String madeIn) {
        Elf.Symbol f = appElf.function(fn).orElseThrow();
        long call = -1;
        for (long a = f.address(); a < f.address() + f.size(); a += 4) {
            byte[] b = appElf.bytesAt(a, 4);
            int insn = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
            if ((insn & 0xFC000000) == 0x94000000 || (insn & 0xFFFFFC1F) == 0xD63F0000) {
                call = a;
                break;
            }
        }
        assertThat(call).as("a call in " + fn).isPositive();
        long ra = call + 4L * after;
        Elf.Symbol m = libElf.function(madeIn).orElseThrow();
        StackFrame made = new StackFrame(0x7f0000001000L, lib.toString(), m.fileOffset() + 4, libElf.buildId(), madeIn, 4, "");
        StackFrame site = new StackFrame(0x7f0000002000L, app.toString(), appElf.fileOffset(ra), appElf.buildId(), fn, ra - f.address(), "");
        return CallSite.check(appElf, site, libElf, made, 1);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
