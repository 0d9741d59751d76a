package dev.vigil.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A JIT's names for the code it generated: the perf map file a process writes as
 * /tmp/perf-PID.map (PID as the process sees itself, in its own mount namespace), one line
 * per function, "START SIZE NAME" in hex. CPython 3.12+ writes it under {@code -X perf}
 * ({@code py::handle_request:/srv/app.py}), Node.js under {@code --perf-basic-prof}, the JVM
 * with a perf-map agent. Read only when it is a regular file (not a link) owned by the
 * process's user or by root, at most {@link #MAX_BYTES}: a map planted by another user, to
 * dress injected code as a JIT's, is not believed.
 */
public record PerfMap(Path file, long size, TreeMap<Long, Entry> entries) {
    public static final long MAX_BYTES = 64L << 20;

    /** One function of the map. */
    public record Entry(long start, long size, String name) {}

    /** The function an address is in: the entry that starts at or below it and covers it (the latest written, when two start alike). */
    public Optional<Entry> find(long address) {
        var e = entries.floorEntry(address);
        if (e == null || Long.compareUnsigned(address - e.getValue().start(), e.getValue().size()) >= 0) return Optional.empty();
        return Optional.of(e.getValue());
    }

    /** The map of a live process, or empty: none written, gone, or not to be believed (see the class). */
    public static Optional<PerfMap> read(int pid) {
        try {
            Path proc = Path.of("/proc", Integer.toString(pid));
            String status = Files.readString(proc.resolve("status"));
            long nspid = pid, uid = -1;
            for (String line : status.split("\n")) {
                if (line.startsWith("NSpid:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    nspid = Long.parseLong(f[f.length - 1]);
                } else if (line.startsWith("Uid:")) {
                    uid = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                }
            }
            Path file = proc.resolve("root/tmp/perf-" + nspid + ".map");
            PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.size() > MAX_BYTES) return Optional.empty();
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != 0 && owner != uid) return Optional.empty();
            return Optional.of(parse(file, Files.readString(file, StandardCharsets.ISO_8859_1)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parses a perf map's text; lines that are not "START SIZE NAME" are passed over. */
    public static PerfMap parse(Path file, String text) {
        TreeMap<Long, Entry> out = new TreeMap<>(Long::compareUnsigned);
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(" ", 3);
            if (f.length < 3) continue;
            try {
                long start = Long.parseUnsignedLong(strip(f[0]), 16), size = Long.parseUnsignedLong(strip(f[1]), 16);
                if (size > 0) out.put(start, new Entry(start, size, f[2].trim()));
            } catch (NumberFormatException e) {
                // not a line of a perf map
            }
        }
        return new PerfMap(file, text.length(), out);
    }

    private static String strip(String hex) { return hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex; }

    /**
     * A JIT function's name split as CPython writes it, "py::QUALNAME:FILE": the Python function and its source file;
     * any other name whole, with no file.
     */
    public static List<String> function(String name) {
        if (name.startsWith("py::")) {
            int colon = name.indexOf(':', 4);
            if (colon > 4) return List.of(name.substring(4, colon), name.substring(colon + 1));
        }
        return List.of(name, "");
    }
}
