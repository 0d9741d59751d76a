package dev.vigil.workload;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.Cgroups;
import dev.vigil.host.Containers;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.Patterns;
import dev.vigil.profile.ProfileEvents;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The process-lineage dimension of workload profiles: every exec is judged in the profile
 * of the workload it belongs to. A process exec'd by a parent in the same cgroup belongs
 * to its parent's workload, so a shell a web application spawns,
 * and what that shell runs, are judged in the web application's profile; a process started
 * into another cgroup (by systemd, say) starts a workload of its own. The item is "PARENT
 * -> CHILD ARGS" with the arguments generalised ({@link Patterns}). While the dimension
 * learns, items are learnt; once it is stable, a new item is an alert naming it. A parent
 * vigil never saw exec (it ran before vigil started) is read from /proc and its workload
 * marked partial. Confined to the agent's thread.
 */
public final class LineageDetector {
    public static final String DETECTOR = "profile";
    private static final int TRACKED = 65_536;
    private final ProfileSet profiles;
    private final Dimension.Learning learning;
    private final ProcessDescriber describer;
    private final String host;
    /**
     * A followed process: its workload, the cgroup id it ran in (children in the same cgroup
     * inherit the workload) and when its workload's first process started (for the warm-up).
     */
    private record Tracked(WorkloadKey key, long cgroup, Instant started, Containers.Container session) {
        Tracked(WorkloadKey key, long cgroup, Instant started) { this(key, cgroup, started, null); }
    }

    /** The workload each (cgroup, executable) began, or NONE when two workloads began with one executable in one cgroup. */
    private final Map<String, Tracked> byProgram = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tracked> e) { return size() > 4096; }
    };
    private static final Tracked NONE = new Tracked(null, -1, Instant.EPOCH);

    private void began(long cgroup, String exe, Tracked t) {
        byProgram.merge(cgroup + "|" + exe, t, (a, b) -> a.key() != null && a.key().equals(b.key()) ? b : NONE);
    }

    private final Map<Integer, Tracked> workloads = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Tracked> e) { return size() > TRACKED; }
    };
    private ProfileEvents events = ProfileEvents.NONE;
    private long novel, learnt;
    private ProcessFacts facts;

    private String real(String path) { return facts.realPath(path); }

    /**
     * The program an exec ran: the file the kernel executed, as the kernel named it (kernelExe,
     * with " (deleted)" when it has no link left: a memfd, a deleted file), so no symlink
     * re-pointed after the exec can make an implant read as a learnt program. For a script
     * (the kernel executed its interpreter) the script, by its real path; without the kernel's
     * name (an old recording), the real path of filename, or for a file named through a file
     * descriptor (/dev/fd/N, /proc/self/fd/N) what /proc/PID/exe says.
     */
    static String executable(ProcessFacts facts, String filename, String kernelExe, int flags, int pid) {
        if (kernelExe.equals("/")) { // the kernel's walk of the file found no name (seen at a container's first exec, in its new root): /proc says
            String exe = facts.exe(pid);
            return exe.isEmpty() ? filename : exe;
        }
        if (!kernelExe.isEmpty() && (flags & KernelEvent.Exec.SCRIPT) == 0) {
            return (flags & KernelEvent.Exec.DELETED) != 0 && !kernelExe.endsWith(" (deleted)") ? kernelExe + " (deleted)" : kernelExe;
        }
        if (filename.startsWith("/dev/fd/") || filename.startsWith("/proc/")) {
            String exe = facts.exe(pid);
            return exe.isEmpty() ? filename : exe;
        }
        return facts.realPath(filename);
    }

    String executable(KernelEvent.Exec x) { return executable(facts, x.filename(), x.exe(), x.flags(), x.who().tgid()); }

    /** The workloads of kernel slots (the profiler's); none known by default. */
    private java.util.function.IntFunction<Optional<WorkloadProfiler.Origin>> origins = slot -> Optional.empty();

    /** Where the workload of a kernel slot is looked up (an exec names the slot its process came from). */
    LineageDetector origins(java.util.function.IntFunction<Optional<WorkloadProfiler.Origin>> o) {
        this.origins = o;
        return this;
    }

    private long reparented;

    /** Execs placed in their workload by the slot they came from (their parent was gone or re-parented: a double fork, setsid, a daemon). */
    public long reparented() { return reparented; }

    private final Duration warmup;
    private final Warmups warmups = new Warmups();
    private final List<String> ignore;
    private long warmedUp, ignored;

    /** warmup: what a workload runs in its first moments after a start (init, migrations) is learnt, never alerted. */
    public LineageDetector(ProfileSet profiles, Dimension.Learning learning, Duration warmup, List<String> ignore, ProcessDescriber describer, String host) {
        this.warmup = warmup;
        this.ignore = List.copyOf(ignore);
        this.profiles = profiles;
        this.learning = learning;
        this.describer = describer;
        this.host = host;
        this.facts = ProcessFacts.live(describer.context());
    }

    /** Where facts about processes come from (live by default; recorded for a replay, recording to record one). */
    public LineageDetector facts(ProcessFacts f) {
        this.facts = f;
        return this;
    }

    public ProfileSet profiles() { return profiles; }

    /** Where new items are told (profile events for the fleet); none by default. */
    public LineageDetector events(ProfileEvents e) {
        this.events = e;
        return this;
    }

    /** Items learnt and novelties alerted so far. */
    public long learnt() { return learnt; }
    public long novel() { return novel; }
    public long warmedUp() { return warmedUp; }

    /** Execs not profiled because their cgroup is under an ignored path. */
    public long ignored() { return ignored; }

    private boolean ignored(String cgroupPath) { return Cgroups.under(cgroupPath, ignore); }

    /** The workload a process was judged in, if it exec'd (or was read) while vigil ran. */
    public Optional<WorkloadKey> workloadOf(int tgid) { return Optional.ofNullable(workloads.get(tgid)).map(Tracked::key); }

    /**
     * Takes in an exec or exit event: an alert when a stable workload ran something new, and
     * a notice when a workload's dimension has just become stable (or unstable).
     */
    public List<Alert> accept(KernelEvent e, Instant now) {
        return switch (e) {
            case KernelEvent.Exit x -> {
                workloads.remove(x.who().tgid());
                yield List.of();
            }
            case KernelEvent.Exec x -> exec(x, now);
            default -> List.of();
        };
    }

    private List<Alert> exec(KernelEvent.Exec x, Instant now) {
        int pid = x.who().tgid(), ppid = x.who().ppid();
        long cgid = x.who().cgroup();
        String exe = executable(x);
        Tracked tracked = workloads.get(ppid);
        if (tracked == null) tracked = fromProc(ppid);
        if (tracked == null && !x.parentExe().isEmpty()) {
            // a parent that forked without exec'ing and is gone (sshd's session process): it ran what its workload began
            // with, in this cgroup; the one workload begun there with that executable is the parent's
            Tracked t = byProgram.get(cgid + "|" + real(x.parentExe()));
            if (t != null && t != NONE) tracked = t;
        }
        boolean detached = false;
        if ((tracked == null || tracked.cgroup() != cgid) && x.slot() != 0 && x.slotCgroup() == cgid) {
            // the kernel kept where the process came from: forked (at any depth, re-parented since, its parent gone) by a
            // workload begun in this very cgroup; it stays in that workload (a double fork or setsid does not shake it)
            Optional<WorkloadProfiler.Origin> o = origins.apply(x.slot());
            if (o.isPresent() && o.get().cgroup() == cgid && o.get().root() != pid) {
                Tracked t = new Tracked(o.get().key(), cgid, o.get().started());
                reparented++;
                tracked = t;
                detached = true;
            }
        }
        if (tracked == null || tracked.cgroup() != cgid) {
            // a workload of its own: its scope from its cgroup's path (the process may be gone already)
            String cg = facts.cgroupOf(pid).orElseGet(() -> facts.cgroupPath(cgid));
            if (ignored(cg)) {
                ignored++;
                workloads.put(pid, new Tracked(null, cgid, now));
                return List.of();
            }
            Containers.Placement place = describer.containers().place(cg, pid, x.ns());
            if (place.session() != null) { // an exec session (or a process put into the container from outside): alerted once, never learnt
                Tracked t = session(place.session(), exe, x.argv(), cgid, now);
                workloads.put(pid, t);
                sessions++;
                return List.of(place.outside() ? outsiderAlert(x, exe, place, t.key(), now) : sessionAlert(x, exe, place.session(), t.key(), now));
            }
            if ((x.flags() & KernelEvent.Exec.RUNTIME_INIT) != 0) { // the kernel gave it no slot: the program it execs next begins one
                if (!place.scope().isEmpty()) return List.of(); // a container's runtime: its program is the workload
                return List.of(runtimeOutside(x, exe, cg, now));
            }
            WorkloadKey own = WorkloadKey.of(Cgroups.unit(cg), place.scope(), cg, exe, x.argv());
            Tracked t = new Tracked(own, cgid, warmups.start(own, now));
            workloads.put(pid, t);
            began(cgid, exe, t);
            WorkloadProfile p = profiles.get(own, false);
            if (p != null) p.dimensions(learning, now);
            return List.of();
        }
        if (tracked.session() != null) { // what an exec session runs: told, never learnt into the container's profile
            workloads.put(pid, tracked);
            return List.of(sessionRan(x, exe, tracked, ppid, now));
        }
        if (tracked.key() == null) { // a process in an ignored cgroup
            ignored++;
            return List.of();
        }
        WorkloadKey parent = tracked.key();
        workloads.put(pid, tracked);
        WorkloadProfile profile = profiles.get(parent, true);
        if (profile == null) return List.of();
        // the parent's executable: what it exec'd (while vigil ran), else what the kernel read at this exec (a parent that
        // forked without exec'ing, as sshd's session process, may be gone by now), else /proc
        // a detached process (its parent gone, or re-parented: a double fork, setsid) has no parent of its workload to name: its
        // parent now is whoever adopted it
        String parentExe = detached ? "" : real(describer.context().seen(ppid).map(ProcessContext.Seen::exe)
                .orElseGet(() -> x.parentExe().isEmpty() ? facts.exe(ppid) : x.parentExe()));
        String args = Patterns.args(x.argv());
        String item = (detached ? DETACHED : parentExe.isEmpty() ? "?" : parentExe) + " -> " + exe + (args.isEmpty() ? "" : " " + args);
        Dimension d = profile.dimension(WorkloadProfile.PROCESS, learning, now);
        Dimension.State before = d.state();
        Dimension.Verdict v = d.observe(item, now, profile.activity());
        if (v == Dimension.Verdict.NOVEL && now.isBefore(tracked.started().plus(warmup))) {
            d.allow(item, now); // the workload (re)started moments ago: its start-up is learnt, not alerted
            warmedUp++;
            v = Dimension.Verdict.WARMUP;
        }
        if (v == Dimension.Verdict.LEARNT || v == Dimension.Verdict.NOVEL || v == Dimension.Verdict.WARMUP) {
            events.item(parent, WorkloadProfile.PROCESS, item, v, d.state(), now);
        }
        List<Alert> out = new java.util.ArrayList<>(2);
        if (d.state() != before) {
            out.add(WorkloadProfiler.stateAlert(host, parent, profile, d, now));
            events.state(parent, d.name(), d.state(), now);
        }
        switch (v) {
            case LEARNT -> learnt++;
            case WARMUP -> {
                learnt++;
                out.add(Warmups.reported(alert(x, exe, parent, profile, d, item, from(detached, parentExe, ppid), now)));
            }
            case NOVEL -> {
                novel++;
                out.add(alert(x, exe, parent, profile, d, item, from(detached, parentExe, ppid), now));
            }
            default -> { }
        }
        return out;
    }

    /** The workload of a process vigil did not see start, from /proc; null when it is gone. */
    private Tracked fromProc(int pid) {
        String exe = facts.exe(pid);
        if (exe.isEmpty()) return null;
        String cg = facts.cgroupOf(pid).orElse(null);
        if (cg == null) return null;
        if (ignored(cg)) {
            Tracked t = new Tracked(null, facts.cgroupId(cg), Instant.EPOCH);
            workloads.put(pid, t);
            return t;
        }
        long id = facts.cgroupId(cg);
        if (id < 0) return null;
        // running before vigil saw it start: no warm-up
        Containers.Placement place = describer.containers().place(cg, pid);
        List<String> argv = facts.cmdline(pid).orElse(List.of(exe));
        Tracked t = place.session() != null ? session(place.session(), exe, argv, id, Instant.EPOCH)
                : new Tracked(WorkloadKey.of(Cgroups.unit(cg), place.scope(), cg, exe, argv), id, Instant.EPOCH);
        workloads.put(pid, t);
        began(id, real(exe), t);
        return t;
    }

    /** How long the profile learnt, or whose learnt profile it adopted: "never seen in 1d 2h of learning (stable since T)". */
    static String neverSeen(Dimension d, Instant now) {
        if (d.adoptedFrom() != null) return "never seen here or in " + d.adoptedFrom() + " (learnt there; adopted " + d.stableSince() + ")";
        return "never seen in " + words(Duration.between(d.started(), d.stableSince() == null ? now : d.stableSince())) + " of learning (stable since "
                + d.stableSince() + ")";
    }

    private static String from(boolean detached, String parentExe, int ppid) {
        return detached ? "a process detached from its parent (re-parented to pid " + ppid + ")"
                : parentExe.isEmpty() ? "an unknown parent (pid " + ppid + ")" : parentExe + " (pid " + ppid + ")";
    }

    /** The scope prefix of an exec session's processes (never a profile's: they are not learnt). */
    public static final String SESSION = "exec-session:";
    private long sessions;

    /** Exec sessions that entered a container (each one alert). */
    public long sessions() { return sessions; }

    /** An exec session's process, keyed under {@link #SESSION} (no profile is ever made of it). */
    private static Tracked session(Containers.Container c, String exe, List<String> argv, long cgroup, Instant started) {
        return new Tracked(new WorkloadKey(SESSION + c.scope(), WorkloadKey.program(exe, argv)), cgroup, started, c);
    }

    /** The process that started one coming into a container: "/usr/bin/conmon (pid 812)", or "an unknown process (pid 812)". */
    private String enteredFrom(KernelEvent.Exec x) {
        int ppid = x.who().ppid();
        String parent = real(describer.context().seen(ppid).map(ProcessContext.Seen::exe).orElseGet(() -> x.parentExe().isEmpty() ? facts.exe(ppid) : x.parentExe()));
        return parent.isEmpty() ? "an unknown process (pid " + ppid + ")" : parent + " (pid " + ppid + ")";
    }

    /** "an exec session entered container web1 (image localhost/shop/web:1): /bin/sh -c id by uid 0 from /usr/bin/conmon (pid 812)" */
    private Alert sessionAlert(KernelEvent.Exec x, String exe, Containers.Container c, WorkloadKey key, Instant now) {
        ProcessRef p = describer.describe(x.who().tgid(), x.who().pid(), x.who().comm(), exe).in(c.ref());
        String cmd = exe + (x.argv().size() > 1 ? " " + String.join(" ", x.argv().subList(1, x.argv().size())) : "");
        String summary = String.format(Locale.ROOT, "an exec session entered container %s (%s): %s by uid %d from %s — not the container's own process "
                        + "tree (its first process is pid %d); what it runs is told, never learnt into %s",
                c.ref().label(), c.scope(), cmd, x.who().uid(), enteredFrom(x), c.initPid(), c.scope());
        return Alert.builder(DETECTOR, "exec-session").time(now).host(host).severity(Alert.Severity.MEDIUM).summary(summary).process(p)
                .ancestry(describer.ancestry(p.ppid())).evidence("action", "entered container " + c.ref().label() + ": " + cmd)
                .evidence("container", c.ref().label()).evidence("workload", key.text()).evidence("session_root", x.who().tgid())
                .dedupKey(host + "|exec-session|" + c.ref().id() + "|" + x.who().tgid()).build();
    }

    /**
     * A process in a container's cgroup that is neither in the container's pid namespace nor below it (the kernel read
     * its namespaces at the exec): no runtime and no exec session does this (both run in the container's namespaces);
     * it was put into the cgroup from outside, to pass as the container. High. What it runs is told, never learnt.
     */
    private Alert outsiderAlert(KernelEvent.Exec x, String exe, Containers.Placement place, WorkloadKey key, Instant now) {
        Containers.Container c = place.session();
        ProcessRef p = describer.describe(x.who().tgid(), x.who().pid(), x.who().comm(), exe).in(c.ref());
        String cmd = exe + (x.argv().size() > 1 ? " " + String.join(" ", x.argv().subList(1, x.argv().size())) : "");
        String where = x.ns().level() == 0 ? "the host's" : "pid:[" + x.ns().pid() + "], level " + x.ns().level();
        String summary = String.format(Locale.ROOT, "a process was put into the cgroup of container %s (%s) from outside it: %s by uid %d from %s — its pid "
                        + "namespace is %s, not the container's pid:[%d] nor one below it (a runtime or an exec session runs in the container's); "
                        + "what it runs is told, never learnt into %s",
                c.ref().label(), c.scope(), cmd, x.who().uid(), enteredFrom(x), where, place.containerPidNs(), c.scope());
        return Alert.builder(DETECTOR, "anomaly").time(now).host(host).severity(Alert.Severity.HIGH).summary(summary).process(p)
                .ancestry(describer.ancestry(p.ppid())).evidence("action", "put into container " + c.ref().label() + "'s cgroup from outside: " + cmd)
                .evidence("container", c.ref().label()).evidence("workload", key.text()).evidence("session_root", x.who().tgid())
                .evidence("pid_namespace", x.ns().pid()).evidence("pid_namespace_level", x.ns().level()).evidence("container_pid_namespace", place.containerPidNs())
                .evidence("mount_namespace", x.ns().mnt())
                .dedupKey(host + "|outsider|" + c.ref().id() + "|" + x.who().tgid()).build();
    }

    /**
     * An exec that looks like a container runtime's init (the kernel profiles nothing of it until its next exec) in a
     * cgroup that is no container's: a process posing as runc to run unprofiled. High: a runtime does not do this.
     */
    private Alert runtimeOutside(KernelEvent.Exec x, String exe, String cg, Instant now) {
        ProcessRef p = describer.describe(x.who().tgid(), x.who().pid(), x.who().comm(), exe);
        String cmd = exe + (x.argv().size() > 1 ? " " + String.join(" ", x.argv().subList(1, x.argv().size())) : "");
        return Alert.builder(DETECTOR, "anomaly").time(now).host(host).severity(Alert.Severity.HIGH)
                .summary(String.format(Locale.ROOT, "a process posing as a container runtime's init ran %s (through /proc/self or /dev/fd, its parent "
                        + "named %s) in %s, which is no container: vigil profiles such an exec only from the program it runs next", cmd,
                        facts.comm(x.who().ppid()), cg.isEmpty() ? "an unknown cgroup" : cg))
                .process(p).ancestry(describer.ancestry(p.ppid())).evidence("action", "ran " + x.filename() + " as a runtime's init outside any container")
                .evidence("cgroup", cg).dedupKey(host + "|runtime-init|" + x.who().tgid()).build();
    }

    /** A command run inside an exec session: an info notice of the session, never a profile item. */
    private Alert sessionRan(KernelEvent.Exec x, String exe, Tracked session, int ppid, Instant now) {
        Containers.Container c = session.session();
        ProcessRef p = describer.describe(x.who().tgid(), x.who().pid(), x.who().comm(), exe).in(c.ref());
        String cmd = exe + (x.argv().size() > 1 ? " " + String.join(" ", x.argv().subList(1, x.argv().size())) : "");
        return Alert.builder(DETECTOR, "exec-session").time(now).host(host).severity(Alert.Severity.INFO)
                .summary(String.format(Locale.ROOT, "the exec session in container %s (%s) ran %s (uid %d, parent pid %d)", c.ref().label(), c.scope(), cmd,
                        x.who().uid(), ppid))
                .process(p).ancestry(describer.ancestry(p.ppid())).evidence("action", "ran " + cmd).evidence("container", c.ref().label())
                .evidence("workload", session.key().text()).dedupKey(host + "|exec-session-ran|" + c.ref().id() + "|" + x.who().tgid()).build();
    }

    /** The parent in a process item when the process was detached from its parent: re-parented, its parent gone. */
    public static final String DETACHED = "(detached)";

    private Alert alert(KernelEvent.Exec x, String exe, WorkloadKey w, WorkloadProfile profile, Dimension d, String item, String from, Instant now) {
        ProcessRef p = describer.describe(x.who().tgid(), x.who().pid(), x.who().comm(), exe);
        boolean risky = List.of("sh", "bash", "dash", "zsh", "ksh", "ash", "nc", "ncat", "socat", "python", "python3", "perl")
                .contains(exe.substring(exe.lastIndexOf('/') + 1)) || exe.startsWith("/tmp/") || exe.startsWith("/dev/shm/")
                || exe.startsWith("/memfd:") || exe.startsWith("/var/tmp/") || x.filename().startsWith("/dev/fd/");
        String args = Patterns.args(x.argv());
        String learnedFor = words(Duration.between(d.started(), d.stableSince() == null ? now : d.stableSince()));
        // where in the parent's code it was started: the parent's stack at the fork (popen's caller), read in the kernel
        List<dev.vigil.host.StackFrame> spawned = facts.spawnStack(x.who().tgid(), x.who().ppid()).stream().map(dev.vigil.host.StackFrame::decode).toList();
        String at = dev.vigil.host.StackWords.where(spawned);
        String summary = String.format(Locale.ROOT, "%s (%s) ran %s%s from %s%s — %s%s",
                w.program(), w.scope(), exe, x.argv().size() > 1 ? " " + String.join(" ", x.argv().subList(1, x.argv().size())) : "",
                from, at.isEmpty() ? "" : " " + at, neverSeen(d, now),
                profile.partial() ? "; the profile is partial (the workload was running before vigil)" : "");
        return Alert.builder(DETECTOR, "anomaly").time(now).host(host).severity(risky ? Alert.Severity.HIGH : Alert.Severity.MEDIUM)
                .summary(summary).process(p).ancestry(describer.ancestry(p.ppid()))
                .evidence("dimension", WorkloadProfile.PROCESS).evidence("item", item)
                .evidence("action", "ran " + exe + (x.argv().size() > 1 ? " " + String.join(" ", x.argv().subList(1, x.argv().size())) : ""))
                .evidence("workload", w.text())
                .evidence("learnt_items", d.items().size()).evidence("learning", learnedFor)
                .evidence("stable_since", String.valueOf(d.stableSince())).evidence("args_pattern", args.isEmpty() ? null : args)
                .evidence("allow", dev.vigil.profile.AllowRequests.command(w, WorkloadProfile.PROCESS, item))
                .evidence("spawned_at", spawned.isEmpty() ? null : dev.vigil.host.StackWords.evidence(spawned))
                .profile(w.text(), d.state().label() + (profile.partial() ? ", partial" : ""))
                .dedupKey(DETECTOR + "|" + w.text() + "|" + WorkloadProfile.PROCESS + "|" + item).build();
    }

    /** A duration in words: 2d 3h, 5h 12m, 4m 10s, 12s. */
    static String words(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 86_400) return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
        if (s >= 3600) return s / 3600 + "h " + s % 3600 / 60 + "m";
        if (s >= 60) return s / 60 + "m " + s % 60 + "s";
        return s + "s";
    }
}
