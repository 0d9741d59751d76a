package dev.vigil.trace;

import dev.vigil.syscall.SyscallTable;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A folder of recorded traces, one file per process, in {@link TraceFormat} (system-call
 * names of the host, 16 to a line, '#' comment lines for the process's header, its execs
 * and how it ended). A process's calls stream into PID.trace.part as they come; when it
 * ends the file is renamed COMM-PID.trace (COMM its last program), never over an existing
 * file. So a folder of recordings is a {@code vigil evaluate --dataset folders} split as it
 * is, and a killed recording keeps everything written up to its last {@link #flush()}.
 * Not thread-safe: one recording thread.
 */
public final class TraceFolder implements AutoCloseable {
    private static final int PER_LINE = 16;

    /** A finished trace file. */
    public record Written(int pid, String comm, Path file, long calls, long lost, String end) {}

    private final class Open {
        final int pid;
        final Path part;
        final BufferedWriter out;
        String comm;
        long calls;
        int onLine;

        Open(int pid, String comm, Path part, BufferedWriter out) {
            this.pid = pid;
            this.comm = comm;
            this.part = part;
            this.out = out;
        }
    }

    private final Path dir;
    private final SyscallTable table;
    private final String[] names;
    private final Map<Integer, Open> open = new HashMap<>();
    private final Set<Integer> ended = new HashSet<>();
    private final List<Written> written = new ArrayList<>();

    /** Creates dir if needed; names calls with the host's table. */
    public TraceFolder(Path dir) throws IOException {
        this.dir = dir;
        this.table = SyscallTable.host();
        Files.createDirectories(dir);
        int max = table.all().keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        names = new String[max + 1];
        for (int n = 0; n <= max; n++) names[n] = table.name(n);
    }

    public Path dir() { return dir; }

    /** Is pid's trace being written? */
    public boolean isOpen(int pid) { return open.containsKey(pid); }

    /** Has pid's trace been finished (its later calls have no file)? */
    public boolean hasEnded(int pid) { return ended.contains(pid); }

    /** The processes whose traces are being written. */
    public Set<Integer> openPids() { return Set.copyOf(open.keySet()); }

    /** Starts pid's trace file; how says where it came from ("forked by 12", "attached"). */
    public void begin(int pid, int ppid, String comm, String how) {
        if (open.containsKey(pid)) return;
        ended.remove(pid);
        Path part = dir.resolve(pid + ".trace.part");
        try {
            BufferedWriter w = Files.newBufferedWriter(part, StandardCharsets.UTF_8);
            w.write("# vigil record: pid " + pid + ", parent " + ppid + ", comm " + comm + ", arch " + table.arch() + "\n");
            w.write("# started " + Instant.now() + " (" + how + ")\n");
            open.put(pid, new Open(pid, comm, part, w));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(), e);
        }
    }

    /** Appends one call (a host system-call number) to pid's open trace. */
    public void call(int pid, int nr) {
        Open o = open.get(pid);
        if (o == null) throw new IllegalStateException("no open trace for pid " + pid);
        try {
            if (o.onLine > 0) o.out.write(' ');
            o.out.write(nr >= 0 && nr < names.length ? names[nr] : table.name(nr));
            o.calls++;
            if (++o.onLine == PER_LINE) {
                o.out.write('\n');
                o.onLine = 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.part + ": " + e.getMessage(), e);
        }
    }

    /** A comment line in pid's trace at this point (an exec); comm, when not null, becomes its name. */
    public void note(int pid, String text, String comm) {
        Open o = open.get(pid);
        if (o == null) return;
        try {
            endLine(o);
            o.out.write("# " + text.replace('\n', ' ') + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.part + ": " + e.getMessage(), e);
        }
        if (comm != null && !comm.isEmpty()) o.comm = comm;
    }

    /** Ends pid's trace: the trailer, then the rename to COMM-PID.trace. */
    public Written finish(int pid, String end, long lost) {
        Open o = open.remove(pid);
        if (o == null) return null;
        ended.add(pid);
        try {
            endLine(o);
            o.out.write("# end: " + end + "; " + o.calls + " calls" + (lost > 0 ? ", " + lost + " lost (ring buffer full): the trace has gaps" : "") + "\n");
            o.out.close();
            Path file = freeName(safe(o.comm) + "-" + pid, ".trace");
            Files.move(o.part, file, StandardCopyOption.ATOMIC_MOVE);
            Written w = new Written(pid, o.comm, file, o.calls, lost, end);
            written.add(w);
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + o.part + ": " + e.getMessage(), e);
        }
    }

    /** Writes buffered calls to the files. */
    public void flush() {
        for (Open o : open.values()) {
            try {
                o.out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + o.part + ": " + e.getMessage(), e);
            }
        }
    }

    /** The traces finished so far, in order. */
    public List<Written> written() { return List.copyOf(written); }

    /** Finishes every open trace as "recording stopped" with no lost count. */
    @Override
    public void close() {
        for (int pid : List.copyOf(open.keySet())) finish(pid, "recording stopped while the process ran", 0);
    }

    private static void endLine(Open o) throws IOException {
        if (o.onLine > 0) {
            o.out.write('\n');
            o.onLine = 0;
        }
    }

    private Path freeName(String base, String ext) throws IOException {
        for (int i = 1; ; i++) {
            Path p = dir.resolve(base + (i == 1 ? "" : "-" + i) + ext);
            if (Files.notExists(p)) return p;
            if (i > 1000) throw new FileAlreadyExistsException(p.toString());
        }
    }

    /** A process name made safe for a file name. */
    static String safe(String comm) {
        String s = comm.replaceAll("[^A-Za-z0-9._+-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "proc" + s : s;
    }
}
