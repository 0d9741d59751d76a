package dev.vigil.source;

import dev.vigil.syscall.SyscallTable;
import dev.vigil.trace.TraceFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The replay source: a folder of `vigil record` trace files (COMM-PID.trace, read
 * recursively) handed to an observer as the live source handed them: each process, in the
 * order they started, is attached, then its calls and execs in their order, then its exit
 * with the status its trailer names. A child is forked where its parent's trace says
 * {@code # fork PID} (record writes it when the fork happens), and replayed whole right
 * there, so it starts with its parent's calls before it; children of older recordings,
 * without that line, are forked after their parent ended. Processes are not interleaved
 * otherwise (traces hold no times per call), so counters shared by several processes (a
 * profile's calls) can differ from the live run; what each process did cannot. Runs on the
 * caller's thread.
 */
public final class ReplaySource {
    private static final Pattern HEADER = Pattern.compile("# vigil record: pid (\\d+), parent (\\d+), comm (.*), arch (\\S+)");
    private static final Pattern STARTED = Pattern.compile("# started (\\S+) \\((.*)\\)");
    private static final Pattern EXITED = Pattern.compile("# end: exited with code (\\d+);.*");
    private static final Pattern KILLED = Pattern.compile("# end: killed by signal (\\d+)( \\(core dumped\\))?;.*");

    private ReplaySource() {}

    /** What was replayed. */
    public record Summary(int processes, long calls) {}

    private record Header(Path file, int pid, int parent, String comm, String arch, Instant started, String how) {}

    /** Replays every trace under dir into f; a file that is not a vigil recording fails with its name and line. */
    public static Summary replay(Path dir, ProcessObserver f) throws IOException {
        if (!Files.isDirectory(dir)) throw new TargetException("--replay " + dir + ": no such folder");
        List<Header> headers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".trace")).sorted().toList()) headers.add(header(p));
        }
        if (headers.isEmpty()) throw new TargetException("--replay " + dir + ": no .trace files (vigil record writes them)");
        headers.sort(Comparator.comparing(Header::started).thenComparingInt(Header::pid));
        Replay r = new Replay(SyscallTable.host(), f, headers);
        for (Header h : headers) r.process(h);
        return new Summary(headers.size(), r.calls);
    }

    /** One replay: which processes are done, and the calls handed on. */
    private static final class Replay {
        final SyscallTable table;
        final ProcessObserver f;
        final List<Header> headers;
        final java.util.Set<Header> done = new java.util.HashSet<>();
        long calls;

        Replay(SyscallTable table, ProcessObserver f, List<Header> headers) {
            this.table = table;
            this.f = f;
            this.headers = headers;
        }

        void process(Header h) throws IOException {
            if (!done.add(h)) return;
            if (!h.arch().equals(table.arch())) {
                throw new TraceFormat.FormatException(h.file() + ": recorded on " + h.arch() + ", this host is " + table.arch());
            }
            if (h.how().startsWith("forked by ")) f.fork(h.parent(), h.pid(), h.comm());
            else f.attach(h.pid(), h.parent(), h.comm(), "", !h.how().startsWith("attached below"));
            calls += body(h, this);
            f.failIfBroken();
        }

        /** The child pid that parent forked, not replayed yet, or null. */
        Header child(int parent, int pid) {
            for (Header h : headers) {
                if (h.pid() == pid && h.parent() == parent && !done.contains(h) && h.how().startsWith("forked by ")) return h;
            }
            return null;
        }
    }

    private static Header header(Path p) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            String first = r.readLine(), second = r.readLine();
            Matcher h = first == null ? null : HEADER.matcher(first);
            Matcher s = second == null ? null : STARTED.matcher(second);
            if (h == null || !h.matches() || s == null || !s.matches()) {
                throw new TraceFormat.FormatException(p + ":1: not a vigil record trace (its first lines must be '# vigil record: pid ...' and '# started ...')");
            }
            return new Header(p, Integer.parseInt(h.group(1)), Integer.parseInt(h.group(2)), h.group(3), h.group(4), Instant.parse(s.group(1)), s.group(2));
        }
    }

    private static long body(Header h, Replay replay) throws IOException {
        SyscallTable table = replay.table;
        ProcessObserver f = replay.f;
        long calls = 0;
        int status = -1;
        int line = 0;
        try (BufferedReader r = Files.newBufferedReader(h.file(), StandardCharsets.UTF_8)) {
            for (String l; (l = r.readLine()) != null; ) {
                line++;
                if (line <= 2 || l.isBlank()) continue;
                if (l.startsWith("# fork ")) {
                    Header child;
                    try {
                        child = replay.child(h.pid(), Integer.parseInt(l.substring(7).trim()));
                    } catch (NumberFormatException e) {
                        throw new TraceFormat.FormatException(h.file() + ":" + line + ": bad fork line '" + l + "'");
                    }
                    if (child != null) replay.process(child);
                } else if (l.startsWith("# exec ")) {
                    String file = l.substring(7);
                    String base = file.substring(file.lastIndexOf('/') + 1);
                    f.exec(h.pid(), base.length() > 15 ? base.substring(0, 15) : base, file);
                } else if (l.startsWith("# end: ")) {
                    Matcher e = EXITED.matcher(l), k = KILLED.matcher(l);
                    if (e.matches()) status = Integer.parseInt(e.group(1)) << 8;
                    else if (k.matches()) status = Integer.parseInt(k.group(1)) | (k.group(2) != null ? 0x80 : 0);
                } else if (!l.startsWith("#")) {
                    final int at = line;
                    for (String name : l.trim().split("\\s+")) {
                        int nr = table.number(name).orElseThrow(() -> new TraceFormat.FormatException(h.file() + ":" + at + ": unknown system call '" + name + "'"));
                        f.call(h.pid(), h.pid(), nr);
                        calls++;
                    }
                }
            }
        }
        f.exit(h.pid(), status < 0 ? 0 : status);
        return calls;
    }
}
