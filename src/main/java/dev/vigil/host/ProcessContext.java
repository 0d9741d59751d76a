package dev.vigil.host;

import dev.vigil.event.KernelEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the exec and risky collectors said about recent processes, for an alert's context:
 * the command line each process was started with and its last high-risk calls. Bounded
 * (least recently seen processes are forgotten). Thread-safe.
 */
public final class ProcessContext {
    static final int PROCESSES = 4096, RISKY_PER_PROCESS = 5;
    private final Map<Integer, List<String>> argv = lru();
    private final Map<Integer, Seen> execs = lru();
    private final Map<Integer, Deque<String>> risky = lru();

    private static <V> Map<Integer, V> lru() {
        return new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, V> e) {
                return size() > PROCESSES;
            }
        };
    }

    /** Takes in exec and risky events (others are ignored). */
    public synchronized void accept(KernelEvent e) {
        switch (e) {
            case KernelEvent.Exec x -> {
                argv.put(x.who().tgid(), x.argv());
                execs.put(x.who().tgid(), new Seen(x.filename(), x.who().ppid(), x.who().uid(), x.who().cgroup(), x.who().comm(), x.who().ktimeNs()));
                risky.remove(x.who().tgid());
            }
            case KernelEvent.Risky r -> {
                Deque<String> d = risky.computeIfAbsent(r.who().tgid(), k -> new ArrayDeque<>());
                if (d.size() == RISKY_PER_PROCESS) d.removeFirst();
                d.addLast(r.syscall() + " " + r.detail());
            }
            default -> { }
        }
    }

    /**
     * What a process's last exec event said of it (kept after it is gone).
     * @param cgroup the cgroup v2 id (the inode of its cgroup folder)
     * @param ktimeNs when it exec'd (CLOCK_MONOTONIC): what it did before ran another program
     */
    public record Seen(String exe, int ppid, int uid, long cgroup, String comm, long ktimeNs) {}

    /** What the exec collector saw of a process, if it exec'd while vigil ran. */
    public synchronized Optional<Seen> seen(int tgid) {
        return Optional.ofNullable(execs.get(tgid));
    }

    /** The command line of a process: from its exec event, else from /proc while it lives. */
    public Optional<List<String>> cmdline(int tgid) {
        synchronized (this) {
            List<String> a = argv.get(tgid);
            if (a != null) return Optional.of(a);
        }
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/" + tgid + "/cmdline"));
            if (b.length == 0) return Optional.empty();
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.add(new String(b, start, i - start));
                    start = i + 1;
                }
            }
            if (start < b.length) out.add(new String(b, start, b.length - start));
            return Optional.of(out);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The process's last high-risk calls (oldest first), decoded. */
    public synchronized List<String> risky(int tgid) {
        Deque<String> d = risky.get(tgid);
        return d == null ? List.of() : List.copyOf(d);
    }
}
