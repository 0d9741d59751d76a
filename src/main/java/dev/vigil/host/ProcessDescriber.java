package dev.vigil.host;

import dev.vigil.alert.ProcessRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds an alert's process and ancestry from what is known when it is raised: /proc while
 * the process lives, else what its exec event said (the exec collector, through
 * {@link ProcessContext}), so a shell that ran for a millisecond is still described.
 * Thread-safe.
 */
public final class ProcessDescriber {
    /** Most ancestors listed (parent first). */
    public static final int ANCESTRY = 8;
    private final ProcessContext context;
    private final Cgroups cgroups = new Cgroups();
    private final boolean live;
    private final Containers containers;

    public ProcessDescriber(ProcessContext context) { this(context, true); }

    /** live false: never read /proc (replayed processes are long gone; their pids may name others now). */
    public ProcessDescriber(ProcessContext context, boolean live) {
        this(context, live, live ? Containers.live() : Containers.NONE);
    }

    /** With the containers of a host of its own (a fixture's runtime state in tests). */
    public ProcessDescriber(ProcessContext context, boolean live, Containers containers) {
        this.context = context;
        this.live = live;
        this.containers = containers;
    }

    public ProcessContext context() { return context; }

    /** The containers processes are placed in (none for a replay). */
    public Containers containers() { return containers; }

    /**
     * The process tgid (thread tid). comm and exe are what the detector knows (may be
     * empty); the rest comes from /proc or the exec event.
     */
    public ProcessRef describe(int tgid, int tid, String comm, String exe) {
        Optional<ProcessContext.Seen> seen = context.seen(tgid);
        if (!live) return new ProcessRef(tgid, tid, seen.map(ProcessContext.Seen::ppid).orElse(-1), seen.map(ProcessContext.Seen::uid).orElse(-1),
                comm, exe, List.of(), "", "", dev.vigil.alert.ContainerRef.NONE);
        Stat st = Stat.read(tgid);
        if (exe == null || exe.isEmpty()) exe = seen.map(ProcessContext.Seen::exe).orElseGet(() -> Procfs.exe(tgid));
        if (comm == null || comm.isEmpty()) comm = st != null ? st.comm : seen.map(ProcessContext.Seen::comm).orElse("");
        int ppid = st != null ? st.ppid : seen.map(ProcessContext.Seen::ppid).orElse(-1);
        int uid = uidOf(tgid);
        if (uid < 0) uid = seen.map(ProcessContext.Seen::uid).orElse(-1);
        String cg = Cgroups.ofProcess(tgid).orElseGet(() -> seen.map(s -> cgroups.pathOf(s.cgroup())).orElse(""));
        return new ProcessRef(tgid, tid, ppid, uid, comm, exe, context.cmdline(tgid).orElse(List.of()), cg, Cgroups.unit(cg), containers.ref(cg));
    }

    /** The parent chain from ppid up (at most {@link #ANCESTRY}, ending at pid 1 or where nothing is known). */
    public List<ProcessRef.Ancestor> ancestry(int ppid) {
        List<ProcessRef.Ancestor> out = new ArrayList<>();
        if (!live) return out;
        int pid = ppid;
        while (pid > 0 && out.size() < ANCESTRY) {
            Stat st = Stat.read(pid);
            Optional<ProcessContext.Seen> seen = context.seen(pid);
            if (st == null && seen.isEmpty()) break;
            String comm = st != null ? st.comm : seen.get().comm();
            final int at = pid;
            String exe = seen.map(ProcessContext.Seen::exe).orElseGet(() -> Procfs.exe(at));
            out.add(new ProcessRef.Ancestor(pid, comm, exe));
            int next = st != null ? st.ppid : seen.get().ppid();
            if (pid == 1 || next == pid) break;
            pid = next;
        }
        return out;
    }

    private static int uidOf(int pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (l.startsWith("Uid:")) return Integer.parseInt(l.substring(4).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** The comm and parent of a live process, from /proc/PID/stat. */
    private record Stat(String comm, int ppid) {
        static Stat read(int pid) {
            try {
                String s = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
                int open = s.indexOf('('), close = s.lastIndexOf(')');
                String[] rest = s.substring(close + 2).split(" ");
                if (rest[0].equals("Z") || rest[0].equals("X")) return null;
                return new Stat(s.substring(open + 1, close), Integer.parseInt(rest[1]));
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }
}
