package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mappings, .eh_frame rules, unwinding and symbolizing, on the real binaries of this
 * machine and this very process (no kernel program needed).
 */
class StackUnwindTest {
    static final Path LIBC = Path.of("/lib/x86_64-linux-gnu/libc.so.6");

    @Test
    void mappingsSayWhatEachRegionOfCodeIs() {
        ProcessMaps m = ProcessMaps.parse(1, """
                55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 1234                       /usr/bin/app
                55d0c0a01000-55d0c0a05000 r-xp 00001000 fe:00 1234                       /usr/bin/app
                7f0000000000-7f0000001000 r-xp 00000000 00:00 0
                7f0000001000-7f0000002000 r-xs 00000000 00:01 77                         /memfd:stage2 (deleted)
                7f0000002000-7f0000003000 r-xp 00000000 fe:00 99                         /tmp/dropper (deleted)
                7f0000003000-7f0000004000 rwxp 00000000 fe:00 100                        /opt/jit/code.bin
                7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
                """);
        assertThat(m.find(0x55d0c0a01234L).orElseThrow().path()).isEqualTo("/usr/bin/app");
        assertThat(m.find(0x55d0c0a01234L).orElseThrow().nowhere()).isEmpty();
        assertThat(m.find(0x7f0000000010L).orElseThrow().nowhere()).isEqualTo("anonymous");
        assertThat(m.find(0x7f0000001010L).orElseThrow().nowhere()).isEqualTo("memfd memfd:stage2");
        assertThat(m.find(0x7f0000002010L).orElseThrow().nowhere()).isEqualTo("deleted /tmp/dropper");
        assertThat(m.find(0x7f0000003010L).orElseThrow().nowhere()).isEqualTo("writable /opt/jit/code.bin");
        assertThat(m.find(0x7ffd00000100L).orElseThrow().nowhere()).as("the vDSO is the kernel's code").isEmpty();
        assertThat(m.find(0x7ffd00000100L).orElseThrow().special()).isTrue();
        assertThat(m.find(0x10L)).isEmpty();
        assertThat(m.find(0x55d0c0a05000L)).as("end is exclusive").isEmpty();
    }

    @Test
    void atAFunctionsFirstInstructionTheCallersFrameIsJustAboveTheReturnAddress() throws Exception {
        Elf libc = Elf.read(LIBC);
        assertThat(libc.buildId()).matches("[0-9a-f]{40}");
        EhFrame eh = libc.ehFrame();
        assertThat(eh).isNotNull();
        for (String fn : List.of("getpid", "__open", "read", "malloc", "qsort")) {
            Elf.Symbol s = libc.function(fn).orElseThrow();
            assertThat(eh.ruleAt(s.address())).as(fn).contains(new EhFrame.Rule(EhFrame.RSP, 8, -8, false, 0));
        }
        Elf.Symbol open = libc.function("__open").orElseThrow();
        assertThat(libc.functionAt(open.address() + 3)).hasValueSatisfying(e -> assertThat(e.getValue()).isEqualTo(3L));
        assertThat(libc.addressOf(libc.fileOffset(open.address()))).isEqualTo(open.address());
    }

    @Test
    void aCopiedStackIsUnwoundAndSymbolizedThroughThisProcesssOwnMappings() throws Exception {
        int self = (int) ProcessHandle.current().pid();
        ProcessMaps maps = ProcessMaps.read(self).orElseThrow();
        Elf libc = Elf.read(LIBC);
        ProcessMaps.Mapping text = maps.mappings().stream().filter(m -> m.path().endsWith("/libc.so.6") && m.executable()).findFirst().orElseThrow();
        long base = text.start() - text.offset(); // where file offset 0 would be
        long getpid = base + libc.fileOffset(libc.function("getpid").orElseThrow().address());
        Elf.Symbol qsort = libc.function("malloc").orElseThrow();
        long intoQsort = base + libc.fileOffset(qsort.address()) + 16; // a return address 16 bytes into malloc
        // at getpid's first instruction the return address is the word at sp
        long sp = 0x7ffc_0000_1000L;
        ByteBuffer snap = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN).putLong(0, intoQsort);
        Symbolizer sym = new Symbolizer();
        long[] unwound = sym.unwind(self, new KernelEvent.UserStack(getpid, sp, 0, new long[] {getpid}, 0, snap.array()));
        assertThat(unwound).startsWith(getpid, intoQsort);
        List<StackFrame> frames = sym.frames(self, unwound);
        assertThat(frames.get(0).symbol()).isEqualTo("getpid");
        assertThat(frames.get(0).symbolOffset()).isZero();
        assertThat(frames.get(0).buildId()).isEqualTo(libc.buildId());
        assertThat(frames.get(1).symbol()).as("malloc, not its alias __libc_malloc").isEqualTo("malloc");
        assertThat(frames.get(1).symbolOffset()).isEqualTo(16);
        assertThat(frames.get(1).text()).isEqualTo("malloc+0x10 (libc.so.6)");
        assertThat(frames).noneMatch(StackFrame::fromNowhere);
        assertThat(sym.frames(self, new long[] {0x10})).singleElement().satisfies(f -> assertThat(f.nowhere()).isEqualTo("unmapped"));
    }

    @Test
    void framesRoundTripThroughARecording() {
        StackFrame f = new StackFrame(0x7f0011223344L, "/usr/bin/app", 0x1234, "abcd", "handle", 0x1a, "");
        assertThat(StackFrame.decode(f.encode())).isEqualTo(f);
        StackFrame n = new StackFrame(0x7f00aa000010L, "", 0, "", "", 0, "anonymous");
        assertThat(StackFrame.decode(n.encode())).isEqualTo(n);
        assertThat(n.fromNowhere()).isTrue();
        assertThat(n.text()).isEqualTo("anonymous memory at 0x7f00aa000010");
    }
    @Test
    void theCallSiteCheckReadsTheCallBeforeAReturnAddress() throws Exception {
        Path exe = dev.vigil.testing.Native.helper("stack_secret");
        Elf elf = Elf.read(exe), libc = Elf.read(LIBC);
        Elf.Symbol openSecret = elf.function("open_secret").orElseThrow(), handle = elf.function("handle_request").orElseThrow();
        Elf.Symbol open = libc.function("open").orElseThrow();
        StackFrame made = new StackFrame(0x7f0000001000L, LIBC.toString(), open.fileOffset() + 0x51, libc.buildId(), "open", 0x51, "");
        // the return address after open_secret's call to open@plt: found by scanning its code for e8 rel32 to the PLT entry of open
        long ra = -1;
        for (long a = openSecret.address(); a < openSecret.address() + openSecret.size() - 5; a++) {
            byte[] b = elf.bytesAt(a, 5);
            if ((b[0] & 0xff) != 0xe8) continue;
            long target = a + 5 + ((b[1] & 0xffL) | (b[2] & 0xffL) << 8 | (b[3] & 0xffL) << 16 | (long) b[4] << 24);
            if (elf.importAt(target).filter(n -> n.startsWith("open")).isPresent()) ra = a + 5;
        }
        assertThat(ra).as("open_secret calls open through the PLT").isPositive();
        // built with -g: the call's source line, from the DWARF line table
        List<String> src = java.nio.file.Files.readAllLines(Path.of("src/test/c/stack_secret.c"));
        int callLine = src.indexOf(src.stream().filter(l -> l.contains("int fd = open(path, O_RDONLY);")).findFirst().orElseThrow()) + 1;
        assertThat(elf.sourceAt(ra - 1)).hasValueSatisfying(l -> {
            assertThat(l.file()).endsWith("src/test/c/stack_secret.c");
            assertThat(l.line()).isEqualTo(callLine);
        });
        assertThat(Elf.read(dev.vigil.testing.Native.helper("stack_secret-nofp")).sourceAt(ra - 1)).as("no debug info").isEmpty();
        assertThat(libc.sourceAt(open.address())).as("Debian's libc has no line tables").isEmpty();
        StackFrame site = new StackFrame(0x5500_0000_0000L + ra, exe.toString(), elf.fileOffset(ra), elf.buildId(), "open_secret", ra - openSecret.address(), "");
        assertThat(CallSite.check(List.of(made, site))).hasValueSatisfying(c -> {
            assertThat(c.consistent()).isTrue();
            assertThat(c.words()).contains("is just after a direct call to open").endsWith("the program's own code makes this call");
        });
        // a return address at the start of a function was not left by a call
        StackFrame forged = new StackFrame(0x5500_0000_0000L + handle.address(), exe.toString(), handle.fileOffset(), elf.buildId(), "handle_request", 0, "");
        assertThat(CallSite.check(List.of(made, forged))).hasValueSatisfying(c -> {
            assertThat(c.consistent()).isFalse();
            assertThat(c.words()).contains("is not just after a call instruction");
        });
        // made from anonymous memory
        StackFrame anon = new StackFrame(0x7f00aa000011L, "", 0, "", "", 0, "anonymous");
        assertThat(CallSite.check(List.of(anon))).hasValueSatisfying(c -> assertThat(c.consistent()).isFalse());
    }
}
