package dev.vigil.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The static check of a call site: whether the program's own code, at the return address of
 * its innermost frame, makes the call the kernel saw. It decodes the x86-64 call instruction
 * that ends just before the return address (a direct call, e8; a call through the GOT,
 * ff 15; a call through a register or memory, ff /2), follows a direct call through the PLT
 * to the imported function, and compares that with the C library function the system call
 * was made in (frame 0). On arm64 the call is the 4-byte instruction before the return address
 * (bl, blr, blraa/blrab). Hand-written: no maintained Java disassembler resolves here, and the
 * few call forms above are all it needs.
 */
public final class CallSite {
    private CallSite() {}

    /** The verdict: consistent (the code calls what the kernel saw, or may: an indirect call), and why, in words. */
    public record Check(boolean consistent, String words) {}

    /**
     * Checks frames (innermost first, symbolized): the first frame past the C library is the program's call site;
     * frame 0 is where the system call was made. Empty when there is nothing to check (no program frame).
     */
    public static Optional<Check> check(List<StackFrame> frames) {
        if (frames.isEmpty()) return Optional.empty();
        StackFrame made = frames.getFirst();
        if (made.fromNowhere()) {
            return Optional.of(new Check(false, "the system call was made from " + made.nowhere() + " memory at 0x" + Long.toHexString(made.address())
                    + ": no function of any file on disk made it"));
        }
        int i = 1;
        while (i < frames.size() && StackWords.system(frames.get(i))) i++;
        if (i >= frames.size()) return Optional.empty();
        StackFrame site = frames.get(i);
        if (site.fromNowhere()) {
            return Optional.of(new Check(false, "the C library was called from " + site.nowhere() + " memory at 0x" + Long.toHexString(site.address())
                    + ": no function of any file on disk called it"));
        }
        if (site.binary().isEmpty() || site.binary().startsWith("[")) return Optional.empty();
        try {
            Elf elf = elf(site.binary());
            Elf lib = made.binary().isEmpty() || made.binary().startsWith("[") ? null : elf(made.binary());
            return Optional.of(check(elf, site, lib, made, i));
        } catch (IOException | RuntimeException e) {
            return Optional.of(new Check(true, "the call site could not be read: " + e.getMessage()));
        }
    }

    private static final java.util.Map<String, Elf> CACHE = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Elf> e) { return size() > 32; }
    });

    /** A binary read once per version of it on disk (path and modification time), bounded. */
    private static Elf elf(String path) throws IOException {
        Path p = Path.of(path);
        String key = path + "@" + java.nio.file.Files.getLastModifiedTime(p).toMillis();
        Elf e = CACHE.get(key);
        if (e == null) {
            e = Elf.read(p);
            CACHE.put(key, e);
        }
        return e;
    }


    static Check check(Elf elf, StackFrame site, Elf lib, StackFrame made, int index) {
        long ra = elf.addressOf(site.offset());
        String where = (site.symbol().isEmpty() ? "offset 0x" + Long.toHexString(site.offset()) : site.symbol() + "+0x" + Long.toHexString(site.symbolOffset()))
                + " of " + site.binary();
        if (elf.machine() == Elf.AARCH64) return arm64(elf, ra, where, lib, made, index);
        if (elf.machine() != Elf.X86_64) return new Check(true, "the calls of " + site.binary() + "'s machine (ELF machine " + elf.machine() + ") are not decoded");
        byte[] b = elf.bytesAt(ra - 7, 7); // the 7 bytes before the return address
        if (b.length < 7) return new Check(true, "the code before " + where + " could not be read");
        String madeIn = made.symbol().isEmpty() ? made.text() : made.symbol();
        if ((b[2] & 0xff) == 0xe8) { // call rel32
            long rel = (b[3] & 0xffL) | (b[4] & 0xffL) << 8 | (b[5] & 0xffL) << 16 | (long) b[6] << 24;
            return direct(elf, where, ra + rel, lib, made, index);
        }
        if ((b[1] & 0xff) == 0xff && (b[2] & 0xff) == 0x15) { // call *disp32(%rip): through the GOT
            long disp = (b[3] & 0xffL) | (b[4] & 0xffL) << 8 | (b[5] & 0xffL) << 16 | (long) b[6] << 24;
            Optional<String> imported = elf.importAt(ra + disp);
            if (imported.isPresent() && index == 1 && lib != null && !made.symbol().isEmpty()) {
                boolean same = sameFunction(lib, imported.get(), made.symbol());
                return new Check(same, where + " is just after a call through the GOT to " + imported.get() + (same ? ": the program's own code makes this call"
                        : ", not to " + madeIn + ": the call did not come from this code"));
            }
            return new Check(true, where + " is just after a call through the GOT" + imported.map(n -> " to " + n).orElse(""));
        }
        for (int len = 2; len <= 7; len++) { // ff /2: call through a register or memory, with or without a REX prefix
            int p = 7 - len;
            boolean rex = (b[p] & 0xf0) == 0x40;
            int op = p + (rex ? 1 : 0);
            if (op + 1 >= 7 || (b[op] & 0xff) != 0xff) continue;
            int modrm = b[op + 1] & 0xff, sib = op + 2 < 7 ? b[op + 2] & 0xff : 0;
            if (((modrm >> 3) & 7) == 2 && indirectLength(modrm, sib) + (rex ? 1 : 0) == len) {
                return new Check(true, where + " is just after an indirect call: its target is not known from the code");
            }
        }
        return new Check(false, where + " is not just after a call instruction: the return address was not left by a call"
                + " (a return-oriented or injected call)");
    }

    /** A direct call to target: through the PLT to an import (checked against where the system call was made), or to a function of the file. */
    private static Check direct(Elf elf, String where, long target, Elf lib, StackFrame made, int index) {
        String madeIn = made.symbol().isEmpty() ? made.text() : made.symbol();
        Optional<String> imported = elf.importAt(target);
        String callee = imported.map(n -> n + "@plt").orElseGet(() -> elf.functionAt(target).map(e -> e.getKey().name()).orElse("0x" + Long.toHexString(target)));
        if (imported.isPresent() && index == 1 && lib != null && !made.symbol().isEmpty()) {
            boolean same = sameFunction(lib, imported.get(), made.symbol());
            return new Check(same, where + " is just after a direct call to " + callee + (same ? ", the function the system call was made in ("
                    + madeIn + "): the program's own code makes this call" : ", not to " + madeIn + ", where the system call was made: the call did not come from this code"));
        }
        return new Check(true, where + " is just after a direct call to " + callee + ": the program's own code calls there");
    }

    /**
     * arm64: every instruction is 4 bytes and a call leaves the address of the next one in x30, so the call is the
     * instruction just before the return address: bl (direct), blr or blraa/blrab and their z forms (through a register).
     */
    private static Check arm64(Elf elf, long ra, String where, Elf lib, StackFrame made, int index) {
        byte[] b = elf.bytesAt(ra - 4, 4);
        if (b.length < 4) return new Check(true, "the code before " + where + " could not be read");
        int insn = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
        if ((insn & 0xFC000000) == 0x94000000) { // bl imm26
            long offset = ((long) (insn & 0x03FFFFFF) << 38) >> 36; // sign-extended, times 4
            return direct(elf, where, ra - 4 + offset, lib, made, index);
        }
        if ((insn & 0xFFFFFC1F) == 0xD63F0000 || (insn & 0xFEFFF800) == 0xD63F0800) { // blr xn; blraa, blrab, blraaz, blrabz
            return new Check(true, where + " is just after an indirect call: its target is not known from the code");
        }
        return new Check(false, where + " is not just after a call instruction: the return address was not left by a call"
                + " (a return-oriented or injected call)");
    }

    /** The length of an ff /2 instruction with this ModRM byte (and SIB byte), without prefixes. */
    private static int indirectLength(int modrm, int sib) {
        int mod = modrm >> 6, rm = modrm & 7;
        int n = 2;
        if (mod != 3 && rm == 4) n++; // a SIB byte
        if (mod == 1) n += 1;
        else if (mod == 2) n += 4;
        else if (mod == 0 && rm == 5) n += 4; // rip-relative
        else if (mod == 0 && rm == 4 && (sib & 7) == 5) n += 4;
        return n;
    }

    /** Whether two names of a library are the same function (aliases share an address). */
    private static boolean sameFunction(Elf lib, String a, String b) {
        if (a.equals(b)) return true;
        var x = lib.function(a.replaceFirst("@.*", ""));
        var y = lib.function(b);
        return x.isPresent() && y.isPresent() && x.get().address() == y.get().address();
    }
}
