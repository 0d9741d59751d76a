package dev.vigil.host;

/**
 * One frame of a user stack, symbolized: its address; the file whose code it is, the
 * offset in that file, its build id and the function it falls in ("" when the file's
 * symbols do not say), or, for code that no file on disk holds, what region it runs from
 * (nowhere: "anonymous", "memfd NAME", "deleted PATH", "writable PATH", "jit" for a JIT's code
 * its perf map names, with the function as symbol; "unmapped" when no
 * mapping holds it; "gone" when the process exited before its mappings could be read).
 */
public record StackFrame(long address, String binary, long offset, String buildId, String symbol, long symbolOffset, String nowhere,
                         String source, int line) {
    public StackFrame {
        binary = binary == null ? "" : binary;
        buildId = buildId == null ? "" : buildId;
        symbol = symbol == null ? "" : symbol;
        nowhere = nowhere == null ? "" : nowhere;
        source = source == null ? "" : source;
    }

    /** The region of a JIT's code named by the process's perf map: symbol the function, source its file (a Python script's). */
    public static final String JIT = "jit";

    /** A frame without a source position (no debug info). */
    public StackFrame(long address, String binary, long offset, String buildId, String symbol, long symbolOffset, String nowhere) {
        this(address, binary, offset, buildId, symbol, symbolOffset, nowhere, "", 0);
    }

    /** "stack_secret.c:15", or "" without debug info. */
    public String where() { return source.isEmpty() ? "" : source.substring(source.lastIndexOf('/') + 1) + (line > 0 ? ":" + line : ""); }

    /** Code that no file on disk holds. */
    public boolean fromNowhere() { return !nowhere.isEmpty() && !nowhere.equals("unmapped") && !nowhere.equals("gone"); }

    /** In words: "open_secret+0x1a (probe_stack_fp)", "libc.so.6+0x10b2d1", "anonymous memory at 0x7f12..". */
    public String text() {
        if (nowhere.equals("gone")) return "0x" + Long.toHexString(address) + " (the process had exited: its mappings could not be read)";
        if (nowhere.equals(JIT)) return symbol + (source.isEmpty() ? "" : " (" + source.substring(source.lastIndexOf('/') + 1) + ")") + " (JIT code at 0x" + Long.toHexString(address) + ")";
        if (!nowhere.isEmpty()) return (nowhere.equals("unmapped") ? "an unmapped address" : nowhere + " memory") + " at 0x" + Long.toHexString(address);
        String file = binary.substring(binary.lastIndexOf('/') + 1);
        return (symbol.isEmpty() ? file + "+0x" + Long.toHexString(offset) : symbol + (symbolOffset > 0 ? "+0x" + Long.toHexString(symbolOffset) : "") + " (" + file + ")")
                + (source.isEmpty() ? "" : " at " + where());
    }

    /** Encoded for a recording (tab-separated fields). */
    public String encode() {
        return String.join("\t", Long.toHexString(address), binary, Long.toHexString(offset), buildId, symbol, Long.toHexString(symbolOffset), nowhere,
                source, Integer.toString(line));
    }

    public static StackFrame decode(String s) {
        String[] f = s.split("\t", -1);
        return new StackFrame(Long.parseUnsignedLong(f[0], 16), f[1], Long.parseUnsignedLong(f[2], 16), f[3], f[4], Long.parseUnsignedLong(f[5], 16), f[6],
                f.length > 8 ? f[7] : "", f.length > 8 ? Integer.parseInt(f[8]) : 0);
    }
}
