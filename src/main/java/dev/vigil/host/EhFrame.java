package dev.vigil.host;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The call frame information of an ELF file's .eh_frame, found through .eh_frame_hdr's
 * sorted table: for an address of its code, where the caller's frame is (the CFA, a
 * register plus an offset), where the return address and the saved frame pointer were
 * stored. Enough to unwind code built without frame pointers (Debian's) from a copy of the
 * stack. Reads the x86-64 DWARF register numbers (6 rbp, 7 rsp, 16 the return address); a
 * CFA given by a DWARF expression (PLT stubs, signal frames) is not followed.
 */
public final class EhFrame {
    public static final int RBP = 6, RSP = 7, RA = 16;

    /**
     * How to find the caller at an address: CFA = value of cfaRegister + cfaOffset; the return address at CFA +
     * raOffset; the caller's rbp at CFA + rbpOffset when saved (rbpSaved), else rbp itself.
     */
    public record Rule(int cfaRegister, long cfaOffset, long raOffset, boolean rbpSaved, long rbpOffset) {}

    private final ByteBuffer b;
    private final long hdrAddr, hdrOff, frameAddr, frameOff, frameSize;

    EhFrame(ByteBuffer b, long hdrAddr, long hdrOff, long frameAddr, long frameOff, long frameSize) {
        this.b = b;
        this.hdrAddr = hdrAddr;
        this.hdrOff = hdrOff;
        this.frameAddr = frameAddr;
        this.frameOff = frameOff;
        this.frameSize = frameSize;
    }

    /** The rule at an address of the file's own address space, or empty (no FDE covers it, or it is not followable). */
    public Optional<Rule> ruleAt(long pc) {
        try {
            return find(pc);
        } catch (RuntimeException e) {
            return Optional.empty(); // a corrupt or unusual table: no rule
        }
    }

    /** A pointer in a DW_EH_PE encoding at the cursor; base is the address of the field itself (for pcrel). */
    private long ptr(ByteCursor c, int enc, long base) {
        if (enc == 0xff) return 0;
        long v = switch (enc & 0x0f) {
            case 0x00, 0x04, 0x0c -> c.u64();
            case 0x01 -> c.uleb();
            case 0x02 -> c.u16();
            case 0x03 -> c.u32();
            case 0x09 -> c.sleb();
            case 0x0a -> (short) c.u16();
            case 0x0b -> c.s32();
            default -> throw new IllegalArgumentException("pointer encoding 0x" + Integer.toHexString(enc));
        };
        return switch (enc & 0x70) {
            case 0x00 -> v;
            case 0x10 -> base + v;       // pcrel: from the field's own address
            case 0x30 -> hdrAddr + v;    // datarel: from .eh_frame_hdr (its table's base)
            default -> throw new IllegalArgumentException("pointer application 0x" + Integer.toHexString(enc & 0x70));
        };
    }

    private long frameVaddr(long fileOff) { return frameAddr + (fileOff - frameOff); }

    private long frameFileOff(long vaddr) { return frameOff + (vaddr - frameAddr); }

    private Optional<Rule> find(long pc) {
        ByteCursor h = new ByteCursor(b, hdrOff);
        int version = h.u8(), framePtrEnc = h.u8(), countEnc = h.u8(), tableEnc = h.u8();
        if (version != 1) return Optional.empty();
        ptr(h, framePtrEnc, hdrAddr + 4);
        long count = ptr(h, countEnc, hdrAddr + (h.pos - hdrOff));
        if (tableEnc != 0x3b || count <= 0) return Optional.empty(); // datarel sdata4, what every linker writes
        long table = h.pos;
        long lo = 0, hi = count - 1, at = -1;
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            long start = hdrAddr + b.getInt(Math.toIntExact(table + mid * 8));
            if (start <= pc) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (at < 0) return Optional.empty();
        long fde = frameFileOff(hdrAddr + b.getInt(Math.toIntExact(table + at * 8 + 4)));
        if (fde < frameOff || fde >= frameOff + frameSize) return Optional.empty();
        return fde(fde, pc);
    }

    private record Cie(long codeAlign, long dataAlign, int raReg, int fdeEnc, boolean aug, long instrStart, long instrEnd) {}

    private Cie cie(long off) {
        ByteCursor c = new ByteCursor(b, off);
        long len = c.u32();
        if (len == 0xffffffffL) throw new IllegalArgumentException("64-bit CIE");
        long end = off + 4 + len;
        if (c.u32() != 0) throw new IllegalArgumentException("not a CIE");
        int version = c.u8();
        String aug = c.cstr();
        long codeAlign = c.uleb(), dataAlign = c.sleb();
        int ra = version == 1 ? c.u8() : (int) c.uleb();
        int fdeEnc = 0;
        if (aug.startsWith("z")) {
            long augLen = c.uleb();
            long augEnd = c.pos + augLen;
            for (int i = 1; i < aug.length(); i++) {
                switch (aug.charAt(i)) {
                    case 'R' -> fdeEnc = c.u8();
                    case 'P' -> { int pe = c.u8(); ptr(c, pe & 0x7f, frameVaddr(c.pos)); }
                    case 'L' -> c.u8();
                    default -> { }
                }
            }
            c.pos = augEnd;
        }
        return new Cie(codeAlign, dataAlign, ra, fdeEnc, aug.startsWith("z"), c.pos, end);
    }

    private Optional<Rule> fde(long off, long pc) {
        ByteCursor f = new ByteCursor(b, off);
        long len = f.u32();
        if (len == 0 || len == 0xffffffffL) return Optional.empty();
        long end = off + 4 + len;
        long ciePtr = f.u32();
        Cie cie = cie(off + 4 - ciePtr);
        long begin = ptr(f, cie.fdeEnc(), frameVaddr(f.pos));
        long range = ptr(f, cie.fdeEnc() & 0x0f, 0);
        if (pc < begin || pc >= begin + range) return Optional.empty();
        if (cie.aug()) f.pos += f.uleb();
        State st = new State();
        run(st, cie, cie.instrStart(), cie.instrEnd(), Long.MAX_VALUE, begin);
        State initial = st.copy();
        run(st, cie, f.pos, end, pc, begin, initial);
        if (st.cfaExpr || (st.cfaReg != RSP && st.cfaReg != RBP)) return Optional.empty();
        long[] ra = st.regs.get(cie.raReg());
        if (ra == null || ra[0] != OFFSET) return Optional.empty();
        long[] bp = st.regs.get(RBP);
        return Optional.of(new Rule(st.cfaReg, st.cfaOff, ra[1], bp != null && bp[0] == OFFSET, bp == null ? 0 : bp[1]));
    }

    private static final long OFFSET = 1, OTHER = 2;

    private static final class State {
        int cfaReg = RSP;
        long cfaOff;
        boolean cfaExpr;
        Map<Integer, long[]> regs = new HashMap<>();

        State copy() {
            State s = new State();
            s.cfaReg = cfaReg;
            s.cfaOff = cfaOff;
            s.cfaExpr = cfaExpr;
            regs.forEach((k, v) -> s.regs.put(k, v.clone()));
            return s;
        }
    }

    private void run(State st, Cie cie, long from, long to, long pc, long loc) { run(st, cie, from, to, pc, loc, null); }

    /** Runs CFA instructions from..to, stopping once the location passes pc. */
    private void run(State st, Cie cie, long from, long to, long pc, long loc, State initial) {
        ByteCursor c = new ByteCursor(b, from);
        Deque<State> saved = new ArrayDeque<>();
        while (c.pos < to) {
            int op = c.u8();
            int hi = op & 0xc0, low = op & 0x3f;
            if (hi == 0x40) { // advance_loc
                loc += low * cie.codeAlign();
                if (loc > pc) return;
                continue;
            }
            if (hi == 0x80) { // offset
                st.regs.put(low, new long[] {OFFSET, c.uleb() * cie.dataAlign()});
                continue;
            }
            if (hi == 0xc0) { // restore
                restore(st, initial, low);
                continue;
            }
            switch (op) {
                case 0x00 -> { }
                case 0x01 -> { loc = ptr(c, cie.fdeEnc(), 0); if (loc > pc) return; }
                case 0x02 -> { loc += c.u8() * cie.codeAlign(); if (loc > pc) return; }
                case 0x03 -> { loc += c.u16() * cie.codeAlign(); if (loc > pc) return; }
                case 0x04 -> { loc += c.u32() * cie.codeAlign(); if (loc > pc) return; }
                case 0x05 -> { int r = (int) c.uleb(); st.regs.put(r, new long[] {OFFSET, c.uleb() * cie.dataAlign()}); }
                case 0x06 -> restore(st, initial, (int) c.uleb());
                case 0x07, 0x08 -> st.regs.put((int) c.uleb(), new long[] {OTHER, 0});
                case 0x09 -> { st.regs.put((int) c.uleb(), new long[] {OTHER, 0}); c.uleb(); }
                case 0x0a -> saved.push(st.copy());
                case 0x0b -> {
                    if (!saved.isEmpty()) {
                        State s = saved.pop();
                        st.cfaReg = s.cfaReg;
                        st.cfaOff = s.cfaOff;
                        st.cfaExpr = s.cfaExpr;
                        st.regs = s.regs;
                    }
                }
                case 0x0c -> { st.cfaReg = (int) c.uleb(); st.cfaOff = c.uleb(); st.cfaExpr = false; }
                case 0x0d -> st.cfaReg = (int) c.uleb();
                case 0x0e -> st.cfaOff = c.uleb();
                case 0x0f -> { st.cfaExpr = true; c.pos += c.uleb(); }
                case 0x10 -> { st.regs.put((int) c.uleb(), new long[] {OTHER, 0}); c.pos += c.uleb(); }
                case 0x11 -> { int r = (int) c.uleb(); st.regs.put(r, new long[] {OFFSET, c.sleb() * cie.dataAlign()}); }
                case 0x12 -> { st.cfaReg = (int) c.uleb(); st.cfaOff = c.sleb() * cie.dataAlign(); st.cfaExpr = false; }
                case 0x13 -> st.cfaOff = c.sleb() * cie.dataAlign();
                case 0x14, 0x15 -> { st.regs.put((int) c.uleb(), new long[] {OTHER, 0}); c.uleb(); }
                case 0x16 -> { st.regs.put((int) c.uleb(), new long[] {OTHER, 0}); c.pos += c.uleb(); }
                case 0x2e -> c.uleb(); // GNU_args_size
                case 0x2f -> { int r = (int) c.uleb(); st.regs.put(r, new long[] {OFFSET, -c.uleb() * cie.dataAlign()}); }
                default -> throw new IllegalArgumentException("CFA op 0x" + Integer.toHexString(op));
            }
        }
    }

    private static void restore(State st, State initial, int reg) {
        long[] r = initial == null ? null : initial.regs.get(reg);
        if (r == null) st.regs.remove(reg);
        else st.regs.put(reg, r.clone());
    }
}
