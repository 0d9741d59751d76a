package dev.vigil.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What probes need from an ELF64 little-endian executable or shared library: its function
 * symbols (.symtab, else .dynsym) with the file offsets a uprobe attaches at, and its USDT
 * probes (the .note.stapsdt notes that sys/sdt.h writes). Reads the file once; immutable.
 */
public final class Elf {
    /** A defined function: its address in the file's own address space, size and file offset. */
    public record Symbol(String name, long address, long size, long fileOffset) {}

    /** A USDT probe site: provider and name, address, semaphore (0: none) and argument specs (as the note says them). */
    public record Usdt(String provider, String name, long pc, long semaphore, String args) {
        /** The probe's arguments, e.g. ["8@%rax", "-4@%edx"]. */
        public List<String> argSpecs() { return args.isBlank() ? List.of() : List.of(args.trim().split("\\s+")); }
    }

    private record Section(String name, int type, long addr, long offset, long size, int link, long entsize) {}

    private record Segment(long vaddr, long offset, long filesz) {}

    private static final int SHT_SYMTAB = 2, SHT_NOTE = 7, SHT_DYNSYM = 11, PT_LOAD = 1, STT_FUNC = 2, STT_GNU_IFUNC = 10;

    private final Path path;
    private final Map<String, Symbol> functions;
    private final List<Usdt> usdt;
    private final List<Segment> segments;
    private final String buildId;
    private final Symbol[] byAddress;
    private final ByteBuffer bytes;
    private final List<Section> sections;
    private final boolean hasSymtab; // a full symbol table of its own, not only .dynsym's exports
    private EhFrame ehFrame;

    private Elf(Path path, Map<String, Symbol> functions, List<Usdt> usdt, List<Segment> segments, String buildId, ByteBuffer bytes, List<Section> sections) {
        this.path = path;
        this.functions = functions;
        this.usdt = usdt;
        this.segments = segments;
        this.buildId = buildId;
        this.bytes = bytes;
        this.sections = sections;
        this.hasSymtab = sections.stream().anyMatch(x -> x.type() == SHT_SYMTAB && x.size() > 0);
        // aliases at one address (malloc, __libc_malloc): the public name last, where functionAt's search lands
        this.byAddress = functions.values().stream().sorted(Comparator.comparingLong(Symbol::address)
                .thenComparing(Comparator.comparingInt(Elf::underscores).reversed())
                .thenComparing(Comparator.comparingInt((Symbol x) -> x.name().length()).reversed())
                .thenComparing(Symbol::name)).toArray(Symbol[]::new);
    }

    /** The call frame information of .eh_frame (through .eh_frame_hdr's table), or null when the file has none. */
    public synchronized EhFrame ehFrame() {
        if (ehFrame == null) {
            Section hdr = null, frame = null;
            for (Section s : sections) {
                if (s.name().equals(".eh_frame_hdr")) hdr = s;
                if (s.name().equals(".eh_frame")) frame = s;
            }
            if (hdr == null || frame == null) return null;
            ehFrame = new EhFrame(bytes, hdr.addr(), hdr.offset(), frame.addr(), frame.offset(), frame.size());
        }
        return ehFrame;
    }

    /** Bytes of the file's loaded image at an address of its own address space (fewer at a segment's end). */
    public byte[] bytesAt(long address, int n) {
        long off = fileOffset(address);
        if (off < 0 || n <= 0) return new byte[0];
        int len = (int) Math.min(n, bytes.limit() - off);
        byte[] out = new byte[Math.max(0, len)];
        for (int i = 0; i < out.length; i++) out[i] = bytes.get(Math.toIntExact(off + i));
        return out;
    }

    /**
     * The imported function a PLT entry (an address in .plt or .plt.sec) or a GOT slot (an address in .got) jumps
     * to, by the relocations of .rela.plt and .rela.dyn; empty when the address is neither.
     */
    public Optional<String> importAt(long address) {
        Section plt = section(".plt"), pltSec = section(".plt.sec"), relaPlt = section(".rela.plt");
        if (relaPlt != null && relaPlt.entsize() > 0) {
            long n = relaPlt.size() / relaPlt.entsize();
            for (long i = 0; i < n; i++) {
                // .plt's first entry, the resolver's, is 16 bytes on x86-64 and 32 on arm64; every other entry 16
                long head = machine() == AARCH64 ? 32 : 16;
                long slot = pltSec != null ? pltSec.addr() + 16 * i : plt != null ? plt.addr() + head + 16 * i : -1;
                int e = Math.toIntExact(relaPlt.offset() + i * relaPlt.entsize());
                if (slot >= 0 && address >= slot && address < slot + 16) return Optional.of(relocName(relaPlt, e));
                if (b(e) == address) return Optional.of(relocName(relaPlt, e)); // the GOT slot itself
            }
        }
        Section relaDyn = section(".rela.dyn");
        if (relaDyn != null && relaDyn.entsize() > 0) { // -fno-plt: call *GOT(%rip), a GLOB_DAT slot
            long n = relaDyn.size() / relaDyn.entsize();
            for (long i = 0; i < n; i++) {
                int e = Math.toIntExact(relaDyn.offset() + i * relaDyn.entsize());
                long type = bytes.getLong(e + 8) & 0xffffffffL; // R_X86_64_GLOB_DAT, R_AARCH64_GLOB_DAT
                if (b(e) == address && (type == 6 || type == 1025)) return Optional.of(relocName(relaDyn, e));
            }
        }
        return Optional.empty();
    }

    private long b(int at) { return bytes.getLong(at); }

    /** e_machine: {@link #X86_64} or {@link #AARCH64} (others are read, but their calls are not decoded). */
    public int machine() { return Short.toUnsignedInt(bytes.getShort(0x12)); }

    public static final int X86_64 = 62, AARCH64 = 183;

    private String relocName(Section rela, int e) {
        long sym = bytes.getLong(e + 8) >>> 32;
        Section dynsym = sections.get(rela.link());
        Section dynstr = sections.get(dynsym.link());
        int se = Math.toIntExact(dynsym.offset() + sym * dynsym.entsize());
        return string(bytes, dynstr.offset() + Integer.toUnsignedLong(bytes.getInt(se)));
    }

    private Section section(String name) {
        for (Section s : sections) if (s.name().equals(name)) return s;
        return null;
    }

    private static int underscores(Symbol x) {
        int n = 0;
        while (n < x.name().length() && x.name().charAt(n) == '_') n++;
        return n;
    }

    /** The GNU build id (.note.gnu.build-id) in hex, "" when the file has none. */
    public String buildId() { return buildId; }

    private DwarfLines lines;

    /** The source file and line of an address of the file's own address space, from its DWARF line tables (built with -g). */
    public synchronized Optional<DwarfLines.Line> sourceAt(long address) {
        if (lines == null) {
            Section dl = section(".debug_line"), ls = section(".debug_line_str"), ds = section(".debug_str");
            lines = dl == null || dl.type() == 8 ? DwarfLines.none() // SHT_NOBITS: stripped into a debug file
                    : DwarfLines.read(bytes, dl.offset(), dl.size(), ls == null ? -1 : ls.offset(), ds == null ? -1 : ds.offset());
        }
        var own = lines.at(address);
        if (own.isPresent() || !lines.isEmpty()) return own;
        var d = debugFile(); // a stripped file's lines are in its debug file
        return d.isPresent() ? d.get().sourceAt(address) : own;
    }

    /**
     * Reads an ELF file. Throws IOException with a one-line reason: no such file, not an
     * ELF file, not a 64-bit little-endian one, or truncated.
     */
    public static Elf read(Path path) throws IOException {
        ByteBuffer b;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 64) throw new IOException(path + ": not an ELF file");
            if (size > Integer.MAX_VALUE) throw new IOException(path + ": too large to read (" + size + " bytes)");
            b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException e) {
            throw new IOException(path + ": no such file");
        }
        if (b.getInt(0) != 0x464c457f) throw new IOException(path + ": not an ELF file");
        if (b.get(4) != 2 || b.get(5) != 1) throw new IOException(path + ": not a 64-bit little-endian ELF file");
        try {
            return parse(path, b);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException(path + ": truncated or corrupt ELF file");
        }
    }

    private static Elf parse(Path path, ByteBuffer b) { return parse(path, b, false); }

    private static Elf parse(Path path, ByteBuffer b, boolean companion) {
        long phoff = b.getLong(0x20), shoff = b.getLong(0x28);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36)), phnum = Short.toUnsignedInt(b.getShort(0x38));
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A)), shnum = Short.toUnsignedInt(b.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(b.getShort(0x3E));
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = Math.toIntExact(phoff + (long) i * phentsize);
            if (b.getInt(p) == PT_LOAD) segments.add(new Segment(b.getLong(p + 16), b.getLong(p + 8), b.getLong(p + 32)));
        }
        List<Section> raw = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int s = Math.toIntExact(shoff + (long) i * shentsize);
            raw.add(new Section(Integer.toString(b.getInt(s)), b.getInt(s + 4), b.getLong(s + 16), b.getLong(s + 24),
                    b.getLong(s + 32), b.getInt(s + 40), b.getLong(s + 56)));
        }
        List<Section> sections = new ArrayList<>();
        Section names = shstrndx < raw.size() ? raw.get(shstrndx) : null;
        for (Section s : raw) {
            String n = names == null ? "" : string(b, names.offset() + Integer.parseInt(s.name()));
            sections.add(new Section(n, s.type(), s.addr(), s.offset(), s.size(), s.link(), s.entsize()));
        }
        Map<String, Symbol> functions = new LinkedHashMap<>();
        Section symtab = sections.stream().filter(s -> s.type() == SHT_SYMTAB).findFirst()
                .orElseGet(() -> sections.stream().filter(s -> s.type() == SHT_DYNSYM).findFirst().orElse(null));
        if (symtab != null) readSymbols(b, symtab, sections.get(symtab.link()), segments, functions, companion);
        // a stripped binary's .symtab is gone but .dynsym stays: add its exported functions too
        for (Section s : sections) {
            if (s.type() == SHT_DYNSYM && s != symtab) readSymbols(b, s, sections.get(s.link()), segments, functions);
        }
        List<Usdt> usdt = new ArrayList<>();
        String buildId = "";
        for (Section s : sections) {
            if (s.type() == SHT_NOTE && s.name().equals(".note.stapsdt")) readNotes(b, s, usdt);
            if (s.type() == SHT_NOTE && s.name().equals(".note.gnu.build-id")) buildId = buildId(b, s);
        }
        return new Elf(path, functions, List.copyOf(usdt), List.copyOf(segments), buildId, b, List.copyOf(sections));
    }

    /** The descriptor of the GNU_BUILD_ID note (namesz, descsz, type 3, "GNU\0", the id) in hex. */
    private static String buildId(ByteBuffer b, Section s) {
        int p = Math.toIntExact(s.offset());
        int namesz = b.getInt(p), descsz = b.getInt(p + 4), type = b.getInt(p + 8);
        if (type != 3 || descsz <= 0 || descsz > 64) return "";
        int d = p + 12 + ((namesz + 3) & ~3);
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < descsz; i++) hex.append(String.format("%02x", b.get(d + i)));
        return hex.toString();
    }

    private static void readSymbols(ByteBuffer b, Section tab, Section strs, List<Segment> segments, Map<String, Symbol> out) {
        readSymbols(b, tab, strs, segments, out, false);
    }

    /** unmapped: keep symbols whose address no loaded segment holds (a debug file's: its segments hold no bytes), file offset -1. */
    private static void readSymbols(ByteBuffer b, Section tab, Section strs, List<Segment> segments, Map<String, Symbol> out, boolean unmapped) {
        long n = tab.entsize() == 0 ? 0 : tab.size() / tab.entsize();
        for (long i = 0; i < n; i++) {
            int e = Math.toIntExact(tab.offset() + i * tab.entsize());
            int info = b.get(e + 4) & 0xff, shndx = Short.toUnsignedInt(b.getShort(e + 6));
            int type = info & 0xf;
            long value = b.getLong(e + 8), size = b.getLong(e + 16);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || shndx == 0 || value == 0) continue;
            String name = string(b, strs.offset() + Integer.toUnsignedLong(b.getInt(e)));
            if (name.isEmpty() || out.containsKey(name)) continue;
            long off = offset(segments, value);
            if (off >= 0 || unmapped) out.put(name, new Symbol(name, value, size, off));
        }
    }

    private static void readNotes(ByteBuffer b, Section s, List<Usdt> out) {
        long p = s.offset(), end = s.offset() + s.size();
        while (p + 12 <= end) {
            int at = Math.toIntExact(p);
            int namesz = b.getInt(at), descsz = b.getInt(at + 4), type = b.getInt(at + 8);
            long name = p + 12, desc = name + align4(namesz);
            if (type == 3 && string(b, name).equals("stapsdt") && descsz >= 24) {
                int d = Math.toIntExact(desc);
                long pc = b.getLong(d), semaphore = b.getLong(d + 16);
                String provider = string(b, desc + 24);
                long np = desc + 24 + utf8Length(provider) + 1;
                String probe = string(b, np);
                String args = string(b, np + utf8Length(probe) + 1);
                out.add(new Usdt(provider, probe, pc, semaphore, args));
            }
            p = desc + align4(descsz);
        }
    }

    private static long align4(long n) { return (n + 3) & ~3L; }

    private static int utf8Length(String s) { return s.getBytes(StandardCharsets.UTF_8).length; }

    private static long offset(List<Segment> segments, long vaddr) {
        for (Segment g : segments) {
            if (vaddr >= g.vaddr() && vaddr < g.vaddr() + g.filesz()) return vaddr - g.vaddr() + g.offset();
        }
        return -1;
    }

    private static String string(ByteBuffer b, long at) {
        int start = Math.toIntExact(at), end = start;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] out = new byte[end - start];
        b.get(start, out);
        return new String(out, StandardCharsets.UTF_8);
    }

    public Path path() { return path; }

    /** The defined functions, by address. */
    public List<Symbol> functions() {
        return functions.values().stream().sorted(Comparator.comparingLong(Symbol::address).thenComparing(Symbol::name)).toList();
    }

    /** A defined function by name. */
    public Optional<Symbol> function(String name) { return Optional.ofNullable(functions.get(name)); }

    /** The USDT probe sites, in note order. */
    public List<Usdt> usdt() { return usdt; }

    /** The sites of one USDT probe. */
    public List<Usdt> usdt(String provider, String name) {
        return usdt.stream().filter(u -> u.provider().equals(provider) && u.name().equals(name)).toList();
    }

    /** The file offset of an address of the file's loaded segments, or -1. */
    public long fileOffset(long address) { return offset(segments, address); }

    /** Where separate debug files are looked for (as gdb does): ROOT/.build-id/xx/rest.debug and ROOT/DIR/NAME. */
    private static volatile List<Path> debugRoots = List.of(Path.of("/usr/lib/debug"));

    /** Sets the debug roots (tests; default /usr/lib/debug). */
    public static void debugRoots(List<Path> roots) { debugRoots = List.copyOf(roots); }

    private Elf companion;
    private boolean companionLooked;

    /**
     * The file's debug companion, for the symbols and lines a stripped file lacks: a separate debug file found by
     * build id (ROOT/.build-id/xx/rest.debug, or debuginfod's cache ID/debuginfo; its build id checked) or by .gnu_debuglink (beside the file, in its
     * .debug folder, or under ROOT with the file's own folder; its CRC-32 checked), else the MiniDebugInfo the file
     * embeds (.gnu_debugdata: an xz-compressed ELF holding a .symtab of its local functions). Empty when none.
     */
    public synchronized Optional<Elf> debugFile() {
        if (!companionLooked) {
            companionLooked = true;
            companion = separateDebugFile().orElseGet(() -> miniDebugInfo().orElse(null));
        }
        return Optional.ofNullable(companion);
    }

    /** Has a full symbol table of its own (.symtab, not only the exported functions of .dynsym). */
    private boolean hasSymtab() { return hasSymtab; }

    private Optional<Elf> separateDebugFile() {
        List<Path> candidates = new ArrayList<>();
        if (buildId.length() > 2) {
            for (Path r : debugRoots) candidates.add(r.resolve(".build-id").resolve(buildId.substring(0, 2)).resolve(buildId.substring(2) + ".debug"));
            for (Path c : debuginfodCaches()) candidates.add(c.resolve(buildId).resolve("debuginfo")); // what gdb or debuginfod-find fetched
        }
        Section link = section(".gnu_debuglink");
        String linkName = "";
        long crc = -1;
        if (link != null && link.size() > 4) {
            linkName = string(bytes, link.offset());
            long crcAt = link.offset() + ((utf8Length(linkName) + 1 + 3) & ~3L);
            if (crcAt + 4 <= link.offset() + link.size()) crc = Integer.toUnsignedLong(bytes.getInt(Math.toIntExact(crcAt)));
            Path dir = path.toAbsolutePath().getParent();
            if (!linkName.isEmpty() && !linkName.contains("/") && dir != null) {
                candidates.add(dir.resolve(linkName));
                candidates.add(dir.resolve(".debug").resolve(linkName));
                for (Path r : debugRoots) candidates.add(Path.of(r.toString(), dir.toString()).resolve(linkName));
            }
        }
        for (Path c : candidates) {
            try {
                if (!Files.isRegularFile(c) || c.toAbsolutePath().equals(path.toAbsolutePath())) continue;
                Elf d = readCompanion(c);
                boolean byId = !buildId.isEmpty() && buildId.equals(d.buildId());
                boolean byCrc = c.getFileName().toString().equals(linkName) && crc >= 0 && crc32(c) == crc;
                if (byId || byCrc) return Optional.of(d);
            } catch (IOException | RuntimeException e) {
                // not this one
            }
        }
        return Optional.empty();
    }

    /** debuginfod's client caches: $DEBUGINFOD_CACHE_PATH, else ~/.cache/debuginfod_client (this user's and root's). */
    private static List<Path> debuginfodCaches() {
        String env = System.getenv("DEBUGINFOD_CACHE_PATH");
        if (env != null && !env.isBlank()) return List.of(Path.of(env));
        List<Path> out = new ArrayList<>();
        out.add(Path.of(System.getProperty("user.home"), ".cache", "debuginfod_client"));
        if (!out.getFirst().equals(Path.of("/root/.cache/debuginfod_client"))) out.add(Path.of("/root/.cache/debuginfod_client"));
        return out;
    }

    private static long crc32(Path p) throws IOException {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) c.update(buf, 0, n);
        }
        return c.getValue();
    }

    private static Elf readCompanion(Path p) throws IOException {
        ByteBuffer b;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            if (ch.size() < 64 || ch.size() > Integer.MAX_VALUE) throw new IOException(p + ": not a debug file");
            b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        return companion(p, b);
    }

    private static Elf companion(Path p, ByteBuffer b) throws IOException {
        if (b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1) throw new IOException(p + ": not a 64-bit little-endian ELF file");
        try {
            return parse(p, b, true);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException(p + ": truncated or corrupt ELF file");
        }
    }

    /** At most this many bytes of MiniDebugInfo are decompressed. */
    private static final int MINI_DEBUG_MAX = 64 << 20;

    private Optional<Elf> miniDebugInfo() {
        Section d = section(".gnu_debugdata");
        if (d == null || d.size() == 0 || d.type() == 8) return Optional.empty();
        try {
            byte[] xz = new byte[Math.toIntExact(d.size())];
            bytes.get(Math.toIntExact(d.offset()), xz);
            byte[] elf;
            try (var in = new org.tukaani.xz.XZInputStream(new java.io.ByteArrayInputStream(xz))) {
                elf = in.readNBytes(MINI_DEBUG_MAX + 1);
            }
            if (elf.length > MINI_DEBUG_MAX) return Optional.empty();
            return Optional.of(companion(Path.of(path + "[.gnu_debugdata]"), ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The function an address of the file's own address space falls in, with the distance from its start: from the
     * file's own .symtab, else its debug companion's (a stripped file's local functions), else .dynsym's exported ones.
     */
    public Optional<Map.Entry<Symbol, Long>> functionAt(long address) {
        if (!hasSymtab()) {
            var d = debugFile();
            if (d.isPresent()) {
                var f = d.get().ownFunctionAt(address);
                if (f.isPresent()) return f;
            }
        }
        return ownFunctionAt(address);
    }

    private Optional<Map.Entry<Symbol, Long>> ownFunctionAt(long address) {
        int lo = 0, hi = byAddress.length - 1, at = -1;
        while (lo <= hi) { // the last symbol starting at or before address
            int mid = (lo + hi) >>> 1;
            if (byAddress[mid].address() <= address) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (at < 0) return Optional.empty();
        Symbol best = byAddress[at];
        if (best.size() > 0 && address >= best.address() + best.size()) return Optional.empty();
        return Optional.of(Map.entry(best, address - best.address()));
    }

    /** The address (in the file's own address space) a file offset of its loaded segments is loaded at, or -1. */
    public long addressOf(long fileOffset) {
        for (Segment g : segments) {
            if (fileOffset >= g.offset() && fileOffset < g.offset() + g.filesz()) return g.vaddr() + (fileOffset - g.offset());
        }
        return -1;
    }
}
