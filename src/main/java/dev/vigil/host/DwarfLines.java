package dev.vigil.host;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The DWARF line tables of an ELF file's .debug_line (versions 2 to 5, the latter's file
 * tables through .debug_line_str and .debug_str): for an address of its code, the source
 * file and line it was compiled from. Present only in binaries built with debug info (-g)
 * or when their debug file is installed; Debian's packaged binaries have none.
 */
public final class DwarfLines {
    /** A source position. */
    public record Line(String file, int line) {}

    private final long[] addresses; // sorted row addresses; a row with line 0 ends a sequence
    private final int[] lines;
    private final int[] files;
    private final List<String> fileNames;

    private DwarfLines(long[] addresses, int[] lines, int[] files, List<String> fileNames) {
        this.addresses = addresses;
        this.lines = lines;
        this.files = files;
        this.fileNames = fileNames;
    }

    /** The position of an address of the file's own address space. */
    public Optional<Line> at(long address) {
        int lo = 0, hi = addresses.length - 1, at = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (addresses[mid] <= address) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (at < 0 || lines[at] == 0) return Optional.empty();
        return Optional.of(new Line(fileNames.get(files[at]), lines[at]));
    }

    /** Rows read (for tests). */
    public int rows() { return addresses.length; }

    private record Row(long address, int file, int line) {}

    /** Reads a .debug_line section (file offset, size) with its string sections (offsets, or -1 when absent). */
    static DwarfLines read(ByteBuffer b, long off, long size, long lineStr, long str) {
        List<Row> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long p = off, end = off + size;
        while (p + 4 <= end) {
            ByteCursor c = new ByteCursor(b, p);
            long len = c.u32();
            boolean dwarf64 = len == 0xffffffffL;
            if (dwarf64) len = c.u64();
            long unitEnd = c.pos + len;
            if (len == 0 || unitEnd > end) break;
            try {
                unit(c, unitEnd, dwarf64, lineStr, str, rows, names);
            } catch (RuntimeException e) {
                // a unit this reader does not follow: skipped
            }
            p = unitEnd;
        }
        rows.sort((x, y) -> Long.compare(x.address(), y.address()));
        long[] a = new long[rows.size()];
        int[] l = new int[rows.size()], f = new int[rows.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = rows.get(i).address();
            l[i] = rows.get(i).line();
            f[i] = rows.get(i).file();
        }
        return new DwarfLines(a, l, f, List.copyOf(names));
    }

    private static void unit(ByteCursor c, long unitEnd, boolean dwarf64, long lineStr, long str, List<Row> rows, List<String> names) {
        int version = c.u16();
        if (version < 2 || version > 5) return;
        if (version >= 5) {
            c.u8(); // address size
            c.u8(); // segment selector size
        }
        long headerLen = dwarf64 ? c.u64() : c.u32();
        long program = c.pos + headerLen;
        int minInst = c.u8();
        if (version >= 4) c.u8(); // max ops per instruction
        c.u8(); // default is_stmt
        int lineBase = (byte) c.u8(), lineRange = c.u8(), opcodeBase = c.u8();
        int[] stdLen = new int[opcodeBase];
        for (int i = 1; i < opcodeBase; i++) stdLen[i] = c.u8();
        List<String> dirs = new ArrayList<>();
        List<String> files = new ArrayList<>();
        if (version >= 5) {
            int[][] dfmt = formats(c);
            long nd = c.uleb();
            for (long i = 0; i < nd; i++) dirs.add(entry(c, dfmt, dwarf64, lineStr, str, null));
            int[][] ffmt = formats(c);
            long nf = c.uleb();
            for (long i = 0; i < nf; i++) files.add(entry(c, ffmt, dwarf64, lineStr, str, dirs));
        } else {
            dirs.add("");
            for (String d = c.cstr(); !d.isEmpty(); d = c.cstr()) dirs.add(d);
            files.add(""); // file numbers start at 1 before version 5
            for (String n = c.cstr(); !n.isEmpty(); n = c.cstr()) {
                int dir = (int) c.uleb();
                c.uleb();
                c.uleb();
                files.add(join(dir < dirs.size() ? dirs.get(dir) : "", n));
            }
        }
        int base = names.size();
        names.addAll(files);
        c.pos = program;
        long address = 0;
        int file = 1, line = 1;
        while (c.pos < unitEnd) {
            int op = c.u8();
            if (op >= opcodeBase) {
                int adj = op - opcodeBase;
                address += (long) (adj / lineRange) * minInst;
                line += lineBase + adj % lineRange;
                rows.add(new Row(address, base + clamp(file, files.size()), line));
                continue;
            }
            switch (op) {
                case 0 -> {
                    long len = c.uleb();
                    long next = c.pos + len;
                    int sub = c.u8();
                    if (sub == 1) { // end of sequence: a gap after it
                        rows.add(new Row(address, base, 0));
                        address = 0;
                        file = 1;
                        line = 1;
                    } else if (sub == 2) {
                        address = c.u64();
                    }
                    c.pos = next;
                }
                case 1 -> rows.add(new Row(address, base + clamp(file, files.size()), line));
                case 2 -> address += c.uleb() * minInst;
                case 3 -> line += (int) c.sleb();
                case 4 -> file = (int) c.uleb();
                case 5 -> c.uleb();
                case 6, 7, 10, 11 -> { }
                case 8 -> address += (long) ((255 - opcodeBase) / lineRange) * minInst;
                case 9 -> address += c.u16();
                case 12 -> c.uleb();
                default -> { for (int i = 0; i < stdLen[op]; i++) c.uleb(); }
            }
        }
    }

    private static int clamp(int file, int n) { return file >= 0 && file < n ? file : 0; }

    private static int[][] formats(ByteCursor c) {
        int n = c.u8();
        int[][] f = new int[n][2];
        for (int i = 0; i < n; i++) {
            f[i][0] = (int) c.uleb();
            f[i][1] = (int) c.uleb();
        }
        return f;
    }

    private static final int LNCT_PATH = 1, LNCT_DIR = 2;

    /** One directory or file entry of a version 5 header; a file's path joined to its directory. */
    private static String entry(ByteCursor c, int[][] fmt, boolean dwarf64, long lineStr, long str, List<String> dirs) {
        String path = "";
        int dir = 0;
        for (int[] f : fmt) {
            long v = 0;
            String s = null;
            switch (f[1]) {
                case 0x08 -> s = c.cstr();                                                     // string
                case 0x1f -> s = lineStr < 0 ? "" : c.cstrAt(lineStr + (dwarf64 ? c.u64() : c.u32())); // line_strp
                case 0x0e -> s = str < 0 ? "" : c.cstrAt(str + (dwarf64 ? c.u64() : c.u32()));         // strp
                case 0x0f -> v = c.uleb();
                case 0x0b -> v = c.u8();
                case 0x05 -> v = c.u16();
                case 0x06 -> v = c.u32();
                case 0x07 -> v = c.u64();
                case 0x1e -> c.pos += 16;                                                      // data16 (MD5)
                case 0x09 -> c.pos += c.uleb();                                                // block
                default -> throw new IllegalArgumentException("form 0x" + Integer.toHexString(f[1]));
            }
            if (f[0] == LNCT_PATH && s != null) path = s;
            if (f[0] == LNCT_DIR) dir = (int) v;
        }
        return dirs == null ? path : join(dir < dirs.size() ? dirs.get(dir) : "", path);
    }

    private static String join(String dir, String name) {
        return name.startsWith("/") || dir.isEmpty() ? name : dir + "/" + name;
    }

    /** No rows (a file without line tables). */
    boolean isEmpty() { return addresses.length == 0; }

    static DwarfLines none() { return new DwarfLines(new long[0], new int[0], new int[0], List.of()); }
}
