package dev.vigil.workload;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.StackFrame;
import dev.vigil.host.Cgroups;
import dev.vigil.host.Containers;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.AllowRequests;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.Observation;
import dev.vigil.profile.ProfileEvents;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The file, network, high-risk-call and system-call dimensions of workload profiles, fed by
 * workload.bpf.c's first sights. A slot event says which workload a kernel slot is (its
 * cgroup's unit or container, its program: the same key {@link LineageDetector} gives the
 * process); an item event is judged in that workload's dimension: learnt while it learns
 * (or while the workload warms up after a start), an alert while it is stable. Files fan
 * out: once a directory has {@value #FANOUT} learnt children of one intent, its children
 * collapse into {@code DIR/*}. The workload's activity (the calls its processes made, from
 * the kernel's slot counters, given to {@link #tick}) drives learning, so an idle workload
 * does not turn stable by waiting. Confined to the agent's thread.
 */
public final class WorkloadProfiler {
    public static final String DETECTOR = LineageDetector.DETECTOR;
    /** Learnt children of one directory, with one intent, before they collapse into DIR/*. */
    public static final int FANOUT = 24;
    private final ProfileSet profiles;
    private final Dimension.Learning learning;
    private final Duration warmup;
    private final Warmups warmups = new Warmups();
    private final List<String> ignore;
    private final ProcessDescriber describer;
    private final String host;
    private final IntConsumer ignoreSlot;

    /** The kernel's side of novel items: marks one so its repeats are counted, reads the count (-1: evicted). */
    public interface Repeats {
        boolean mark(int slot, int kind, long hash);

        long count(int slot, int kind, long hash);

        Repeats NONE = new Repeats() {
            public boolean mark(int slot, int kind, long hash) { return false; }
            public long count(int slot, int kind, long hash) { return -1; }
        };
    }

    private Repeats repeats = Repeats.NONE;
    private record NovelKey(int slot, int kind, long hash) {}
    /** Novel items whose repeats the kernel counts, with their dedup key and the count already reported; bounded. */
    /** A novel item's dedup key and the repeats of it already reported. */
    private static final class Novel {
        final String dedupKey;
        long reported;

        Novel(String dedupKey) { this.dedupKey = dedupKey; }
    }

    /** Novel items whose repeats the kernel counts; bounded. */
    private final Map<NovelKey, Novel> novelRepeats = new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<NovelKey, Novel> e) { return size() > 4096; }
    };

    /** A kernel slot: its workload (null: ignored), when it last started (warm-up), its activity already counted. */
    private static final class SlotInfo {
        final WorkloadKey key;
        Instant started;
        long activity;
        long cgroup;
        int root;

        SlotInfo(WorkloadKey key, Instant started) {
            this.key = key;
            this.started = started;
        }
    }

    /** A kernel slot's workload, the cgroup it began in, the process that began it (or last restarted it) and when. */
    public record Origin(WorkloadKey key, long cgroup, int root, Instant started) {}

    /** The workload of a kernel slot, as its slot event told it; empty when not (yet) known or not profiled. */
    public java.util.Optional<Origin> origin(int slot) {
        SlotInfo s = slots.get(slot);
        return s == null || s.key == null ? java.util.Optional.empty() : java.util.Optional.of(new Origin(s.key, s.cgroup, s.root, s.started));
    }

    private final Map<Integer, SlotInfo> slots = new HashMap<>();
    /** Learnt children per "workload|intent|dir", for the fan-out collapse. */
    private final Map<String, Integer> fanout = new HashMap<>();
    private ProfileEvents events = ProfileEvents.NONE;
    private long learnt, novel, warmedUp, seen, unresolved;

    public WorkloadProfiler(ProfileSet profiles, Dimension.Learning learning, Duration warmup, List<String> ignore, ProcessDescriber describer,
                            String host, IntConsumer ignoreSlot) {
        this.profiles = profiles;
        this.learning = learning;
        this.warmup = warmup;
        this.ignore = List.copyOf(ignore);
        this.describer = describer;
        this.host = host;
        this.ignoreSlot = ignoreSlot;
        this.facts = ProcessFacts.live(describer.context());
        this.entries = new UnitEntries(profiles, describer, host, this::origin);
    }

    private final UnitEntries entries;

    /** New workloads begun inside a unit with a stable one (each an alert). */
    public long entered() { return entries.entered(); }

    private ProcessFacts facts;

    /** Where facts about processes come from (live by default; recorded for a replay, recording to record one). */
    public WorkloadProfiler facts(ProcessFacts f) {
        this.facts = f;
        return this;
    }

    /** Where repeats of novel items are counted (the workload collector when live). */
    public void repeats(Repeats r) { repeats = r; }

    private boolean everyCall = true;

    /** Whether the kernel sees every call (the system-call dimension), else the judged calls only (detectors.profiles.syscalls). */
    public WorkloadProfiler everyCall(boolean on) {
        this.everyCall = on;
        return this;
    }

    /** Where new items are told (profile events for the fleet); none by default. */
    public WorkloadProfiler events(ProfileEvents e) {
        this.events = e;
        return this;
    }

    public long learnt() { return learnt; }
    private long sessionSlots;

    /** Kernel slots of exec sessions into containers: switched off, never learnt. */
    public long sessionSlots() { return sessionSlots; }
    public long novel() { return novel; }
    public long warmedUp() { return warmedUp; }
    /** Items that crossed again though known (a kernel seen-map eviction, a second slot of one workload). */
    public long seen() { return seen; }
    /** Items of a slot whose workload could not be told (its process gone before it was read). */
    public long unresolved() { return unresolved; }

    /** The workload of a kernel slot, if known and profiled. */
    public java.util.Optional<WorkloadKey> workloadOf(int slot) {
        SlotInfo s = slots.get(slot);
        return java.util.Optional.ofNullable(s == null ? null : s.key);
    }

    /** The kernel slots of a workload. */
    public java.util.Set<Integer> slotsOf(WorkloadKey key) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        slots.forEach((slot, s) -> { if (key.equals(s.key)) out.add(slot); });
        return out;
    }

    /** Stops counting repeats of a workload's novel items (it was reset). */
    public void forgetRepeats(WorkloadKey key) {
        java.util.Set<Integer> mine = slotsOf(key);
        novelRepeats.keySet().removeIf(k -> mine.contains(k.slot()));
    }


    /** Forgets kernel slots the sensor freed (their cgroup gone, no task left): a new workload may be given them next. */
    public void released(java.util.Set<Integer> freed) {
        if (freed.isEmpty()) return;
        slots.keySet().removeAll(freed);
        novelRepeats.keySet().removeIf(k -> freed.contains(k.slot()));
    }

    /** The workloads with a kernel slot now (a process of theirs may still run). */
    public java.util.Set<WorkloadKey> slotted() {
        java.util.Set<WorkloadKey> out = new java.util.HashSet<>();
        for (SlotInfo s : slots.values()) if (s.key != null) out.add(s.key);
        return out;
    }

    /** Takes in a slot or item event; returns the alerts it raised. */
    public List<Alert> accept(KernelEvent e, Instant now) {
        return switch (e) {
            case KernelEvent.Slot s -> slot(s, now);
            case KernelEvent.Item i -> item(i, now);
            case KernelEvent.Probe p -> probe(p, now);
            case KernelEvent.Maps m -> {
                facts.maps(m);
                yield List.of();
            }
            default -> List.of();
        };
    }

    private boolean ignored(String cgroupPath) { return Cgroups.under(cgroupPath, ignore); }

    private List<Alert> slot(KernelEvent.Slot s, Instant now) {
        SlotInfo known = slots.get(s.slot());
        if (known != null && s.reason() == KernelEvent.Slot.ROOT) { // a restart into the same slot: a new warm-up
            known.started = warmups.start(known.key, now);
            known.root = s.who().tgid();
            return List.of();
        }
        if (known != null) released(java.util.Set.of(s.slot())); // the kernel reclaimed it and gave it to a new workload
        int pid = s.who().tgid();
        boolean running = s.reason() == KernelEvent.Slot.RUNNING;
        String exe = running || s.filename().isEmpty() ? facts.exe(pid) : LineageDetector.executable(facts, s.filename(), s.exe(), s.flags(), pid);
        List<String> argv = running ? facts.cmdline(pid).orElse(s.argv()) : s.argv();
        String cg = facts.cgroupOf(pid).orElseGet(() -> facts.cgroupPath(s.who().cgroup()));
        if (exe.isEmpty() || cg.isEmpty()) {
            slots.put(s.slot(), new SlotInfo(null, now));
            unresolved++;
            return List.of();
        }
        if (ignored(cg)) {
            slots.put(s.slot(), new SlotInfo(null, now));
            ignoreSlot.accept(s.slot());
            return List.of();
        }
        Containers.Placement place = describer.containers().place(cg, pid, s.ns());
        if (place.session() != null) { // an exec session, or a process put into the container from outside (the lineage detector tells it): never learnt
            slots.put(s.slot(), new SlotInfo(null, now));
            ignoreSlot.accept(s.slot());
            sessionSlots++;
            return List.of();
        }
        WorkloadKey key = WorkloadKey.of(Cgroups.unit(cg), place.scope(), cg, exe, argv.isEmpty() ? List.of(exe) : argv);
        WorkloadProfile p = profiles.get(key, running);
        if (p == null) { // max_profiles
            slots.put(s.slot(), new SlotInfo(null, now));
            ignoreSlot.accept(s.slot());
            return List.of();
        }
        boolean fresh = UnitEntries.fresh(p);
        int versionsBefore = p.versions().size();
        ProfileSet.VersionChange version = profiles.imageVersion(p, place.ref().imageDigest(), learning, now);
        if (p.versions().size() > versionsBefore) events.version(key, p.versions().getLast(), now); // the fleet learns the image's versions
        p.dimensions(learning, now);
        SlotInfo info = new SlotInfo(key, running ? Instant.EPOCH : warmups.start(key, now));
        info.cgroup = s.who().cgroup();
        info.root = pid;
        slots.put(s.slot(), info);
        List<Alert> out = new ArrayList<>(2);
        if (version != null) out.add(versionAlert(host, version, place.ref(), now));
        entries.began(s, key, exe, fresh && version == null, now).ifPresent(out::add);
        return out;
    }

    /** A container's image has a new version (digest): its profile's new version, learning again from what it knew. */
    static Alert versionAlert(String host, ProfileSet.VersionChange v, dev.vigil.alert.ContainerRef c, Instant now) {
        WorkloadKey w = v.key();
        String from = v.from().equals(w) ? "" : " from the profile of " + v.from().scope();
        String summary = "the image of " + w.program() + " (" + w.scope() + ") changed: profile version " + v.version() + " (image "
                + shortDigest(v.digest()) + (v.previous().isEmpty() ? "" : ", was " + shortDigest(v.previous())) + ", container " + c.label()
                + "); it starts" + from + " with what the previous version learnt and learns the new version's behaviour until it is stable again";
        return Alert.builder(DETECTOR, "profile_version").time(now).host(host).severity(Alert.Severity.INFO).summary(summary)
                .evidence("workload", w.text()).evidence("version", v.version()).evidence("image_digest", v.digest())
                .evidence("previous_digest", v.previous()).evidence("from", v.from().text())
                .profile(w.text(), "learning, version " + v.version())
                .dedupKey(DETECTOR + "|version|" + w.text() + "|" + v.digest()).build();
    }

    private static String shortDigest(String d) {
        String hex = d.startsWith("sha256:") ? d.substring(7) : d;
        return (d.startsWith("sha256:") ? "sha256:" : "") + hex.substring(0, Math.min(12, hex.length()));
    }

    private List<Alert> item(KernelEvent.Item i, Instant now) {
        SlotInfo s = slots.get(i.slot());
        if (s == null) {
            unresolved++;
            return List.of();
        }
        if (s.key == null) return List.of(); // an ignored cgroup: its slot is being switched off in the kernel
        var o = Observation.of(i, facts::comm, facts::linkedFile);
        if (o.isEmpty()) return List.of();
        List<StackFrame> stack = i.stack().ip() == 0 ? List.of()
                // a process gone before its mappings were read: its parent's, if it forked from it without an exec
                : facts.stack(i.who().tgid(), describer.context().seen(i.who().tgid()).isPresent() ? -1 : i.who().ppid(), i.stack()).stream()
                        .map(StackFrame::decode).toList();
        Observation ob = o.get();
        String at = dev.vigil.host.StackWords.where(stack);
        if (!at.isEmpty()) ob = new Observation(ob.dimension(), ob.item(), ob.words() + " " + at, ob.severity(), ob.detail());
        List<Alert> out = new ArrayList<>(judge(s, ob, i.who(), i.call(), i, now, stack));
        // code that no file on disk holds made the call: an item of its own (a JIT's region is learnt; anything else named)
        // (code no JIT names, anywhere in the stack, before a JIT's own: injected code calling through a JIT is still named)
        StackFrame nowhere = stack.stream().filter(f -> f.fromNowhere() && !f.nowhere().equals(StackFrame.JIT)).findFirst()
                .orElse(stack.stream().filter(StackFrame::fromNowhere).findFirst().orElse(null));
        if (nowhere != null) out.addAll(judge(s, Stacks.code(nowhere, ob, i.call()), i.who(), i.call(), null, now, stack));
        if (i.stack().shortened() && out.stream().anyMatch(a -> !a.kind().equals("profile_state"))) shortStackAlerts++;
        return out;
    }

    private long shortStackAlerts;

    /** Alerts whose stack the kernel copied short (its ring was filling): their words may not reach the program's own frames. */
    public long shortStackAlerts() { return shortStackAlerts; }

    private List<dev.vigil.event.ProbeSpec> probes = List.of();
    /** Novel probe items already alerted, by dedup key, with the hits since not yet reported as repeats; bounded. */
    private final Map<String, long[]> probeNovel = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> e) { return size() > 4096; }
    };

    /** The config's custom probes, by id: each one's hits are items of its own dimension (probe:NAME). */
    public WorkloadProfiler probes(List<dev.vigil.event.ProbeSpec> probes) {
        this.probes = List.copyOf(probes);
        return this;
    }

    /** Probe hits of threads in no known workload (no slot, or its slot event not read yet). */
    private long probeUnresolved;

    public long probeUnresolved() { return probeUnresolved; }

    /**
     * A custom probe's hit, judged in its workload's probe:NAME dimension. Every hit crosses from the kernel (a probe
     * has no in-kernel first-sight filter), so a novel one is alerted once and its further hits are counted as
     * repeats of that alert at the next tick, not judged again.
     */
    private List<Alert> probe(KernelEvent.Probe e, Instant now) {
        if (e.id() < 0 || e.id() >= probes.size()) return List.of();
        SlotInfo s = slots.get(e.slot());
        if (s == null) {
            probeUnresolved++;
            return List.of();
        }
        if (s.key == null) return List.of();
        var o = Observation.probe(e, probes.get(e.id()));
        if (o.isEmpty()) return List.of();
        long[] pending = probeNovel.get(dedupKey(s.key, o.get().dimension(), o.get().item()));
        if (pending != null) {
            pending[0]++;
            return List.of();
        }
        List<Alert> out = judge(s, o.get(), e.who(), "", null, now, List.of());
        for (Alert a : out) {
            if (a.kind().equals("anomaly")) probeNovel.put(a.dedupKey(), new long[1]);
        }
        return out;
    }

    /** One observation of a slot's workload: learnt, seen or novel; the alerts it raised (i: the first sight, for its repeats; null: a probe's). */
    private List<Alert> judge(SlotInfo s, Observation ob, KernelEvent.Who who, String call, KernelEvent.Item i, Instant now, List<StackFrame> stack) {
        WorkloadProfile profile = profiles.find(s.key);
        if (profile == null) { // reset by an operator: learns again
            profile = profiles.get(s.key, false);
            if (profile == null) return List.of();
            profile.dimensions(learning, now);
        }
        Dimension d = profile.dimension(ob.dimension(), learning, now);
        String item = ob.item();
        String collapsed = collapsedOf(item);
        if (collapsed != null && d.contains(collapsed)) item = collapsed;
        Dimension.State before = d.state();
        Dimension.Verdict v = d.observe(item, now, profile.activity());
        if (v == Dimension.Verdict.NOVEL && now.isBefore(s.started.plus(warmup))) {
            d.allow(item, now);
            warmedUp++;
            v = Dimension.Verdict.WARMUP;
        }
        if (v == Dimension.Verdict.LEARNT || v == Dimension.Verdict.NOVEL || v == Dimension.Verdict.WARMUP) {
            events.item(s.key, ob.dimension(), item, v, d.state(), now);
        }
        List<Alert> out = new ArrayList<>(2);
        if (d.state() != before) {
            out.add(stateAlert(host, s.key, profile, d, now));
            events.state(s.key, d.name(), d.state(), now);
        }
        switch (v) {
            case LEARNT, WARMUP -> {
                learnt++;
                if (collapsed != null && !item.equals(collapsed)) fan(s.key, d, item, collapsed, now);
                if (v == Dimension.Verdict.WARMUP) out.add(Warmups.reported(alert(who, call, ob, s.key, profile, d, item, now, stack)));
            }
            case NOVEL -> {
                novel++;
                Alert a = alert(who, call, ob, s.key, profile, d, item, now, stack);
                out.add(a);
                if (i != null && i.kind() != KernelEvent.Item.SYSCALL && repeats.mark(i.slot(), i.kind(), i.hash())) {
                    NovelKey k = new NovelKey(i.slot(), i.kind(), i.hash());
                    novelRepeats.put(k, new Novel(a.dedupKey()));
                }
            }
            case SEEN -> seen++;
            default -> { }
        }
        return out;
    }

    /** "intent DIR/*" for a file item "intent DIR/NAME", null for other items and top-level paths. */
    static String collapsedOf(String item) {
        int sp = item.indexOf(' ');
        int slash = item.lastIndexOf('/');
        if (sp < 0 || slash <= sp + 1 || !item.startsWith("/", sp + 1) || item.endsWith("/*")) return null;
        return item.substring(0, slash) + "/*";
    }

    /** Counts a learnt file under its directory; at {@link #FANOUT} the directory's children collapse. */
    private void fan(WorkloadKey key, Dimension d, String item, String collapsed, Instant now) {
        if (!d.name().equals(WorkloadProfile.FILES)) return;
        String k = key.text() + "|" + collapsed;
        int n = fanout.merge(k, 1, Integer::sum);
        if (n == FANOUT) d.allow(collapsed, now);
    }

    /**
     * Adds each slot's new activity (calls made since the last tick, from the kernel) to its
     * workload, then moves every learning dimension on: the notices of those that became
     * stable, unstable or full.
     */
    public List<Alert> tick(Instant now, java.util.function.IntToLongFunction activityOfSlot) {
        return tick(now, activityOfSlot, (key, n) -> { });
    }

    /** {@link #tick}, also reporting the repeats the kernel counted of each novel item since the last tick, by dedup key. */
    public List<Alert> tick(Instant now, java.util.function.IntToLongFunction activityOfSlot, java.util.function.ObjLongConsumer<String> repeated) {
        for (var it = novelRepeats.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            NovelKey k = e.getKey();
            long n = repeats.count(k.slot(), k.kind(), k.hash());
            if (n < 0) { // evicted: its next sighting crosses again and is judged again
                it.remove();
                continue;
            }
            Novel v = e.getValue();
            if (n > v.reported) {
                repeated.accept(v.dedupKey, n - v.reported);
                v.reported = n;
            }
        }
        for (var e : probeNovel.entrySet()) {
            if (e.getValue()[0] > 0) {
                repeated.accept(e.getKey(), e.getValue()[0]);
                e.getValue()[0] = 0;
            }
        }
        for (Map.Entry<Integer, SlotInfo> e : slots.entrySet()) {
            SlotInfo s = e.getValue();
            if (s.key == null) continue;
            long a = activityOfSlot.applyAsLong(e.getKey());
            if (a > s.activity) {
                WorkloadProfile p = profiles.find(s.key);
                if (p != null) {
                    p.addActivity(a - s.activity);
                    p.touch(now);
                }
                s.activity = a;
            }
        }
        List<Alert> out = new ArrayList<>();
        for (WorkloadProfile p : profiles.all()) {
            for (Dimension d : p.dimensions().values()) {
                Dimension.State before = d.state();
                d.advance(now, p.activity());
                if (d.state() != before) {
                    // without every call the system-call dimension has nothing to learn: its end of learning is no news
                    if (everyCall || !d.name().equals(WorkloadProfile.SYSCALLS)) out.add(stateAlert(host, p.key(), p, d, now));
                    events.state(p.key(), d.name(), d.state(), now);
                }
            }
        }
        return out;
    }

    private static String noun(String dimension) {
        return switch (dimension) {
            case WorkloadProfile.PROCESS -> "programs";
            case WorkloadProfile.FILES -> "file items";
            case WorkloadProfile.NETWORK -> "endpoints";
            case WorkloadProfile.RISKY -> "high-risk calls";
            case WorkloadProfile.SYSCALLS -> "system calls";
            case WorkloadProfile.CODE -> "code regions";
            default -> dimension.startsWith(WorkloadProfile.PROBE) ? "probed calls" : "items";
        };
    }

    /** A dimension became stable (novelty alerts start), unstable or full (they never will). */
    static Alert stateAlert(String host, WorkloadKey w, WorkloadProfile profile, Dimension d, Instant now) {
        String noun = noun(d.name());
        String what = switch (d.state()) {
            case STABLE -> String.format(Locale.ROOT, "is now stable: %d %s learnt in %s, none new for %s and %,d calls; anything new will raise an alert",
                    d.items().size(), noun, LineageDetector.words(Duration.between(d.started(), now)), LineageDetector.words(Duration.between(d.lastNew(), now)),
                    d.sinceNew());
            case UNSTABLE -> "is unstable: new " + noun + " kept coming for " + LineageDetector.words(Duration.between(d.started(), now)) + "; it raises no novelty alerts";
            case AT_MAX_SIZE -> "is full (" + d.items().size() + " " + noun + "); it learns no more and raises no novelty alerts";
            case LEARNING -> "is learning";
        };
        return Alert.builder(DETECTOR, "profile_state").time(now).host(host)
                .severity(d.state() == Dimension.State.STABLE ? Alert.Severity.INFO : Alert.Severity.LOW)
                .summary("the " + d.name() + " profile of " + w.program() + " (" + w.scope() + ") " + what)
                .evidence("dimension", d.name()).evidence("workload", w.text()).evidence("state", d.state().label())
                .evidence("learnt_items", d.items().size()).evidence("observations", d.observations()).evidence("activity", profile.activity())
                .profile(w.text(), d.state().label() + (profile.partial() ? ", partial" : ""))
                .dedupKey(DETECTOR + "|state|" + w.text() + "|" + d.name() + "|" + d.state()).build();
    }

    private Alert alert(KernelEvent.Who who, String call, Observation ob, WorkloadKey w, WorkloadProfile profile, Dimension d, String item, Instant now,
                        List<StackFrame> stack) {
        // the executable its exec event named, else what /proc says (a recorded fact: the same live and replayed)
        // (none when the process exec'd another program after the call: it was who.comm then)
        var seen = describer.context().seen(who.tgid());
        String named = seen.isEmpty() ? facts.exe(who.tgid()) : seen.get().ktimeNs() <= who.ktimeNs() ? seen.get().exe() : "";
        ProcessRef p = describer.describe(who.tgid(), who.pid(), who.comm(), named);
        String exe = named.isEmpty() ? who.comm() : named;
        String learnedFor = LineageDetector.words(Duration.between(d.started(), d.stableSince() == null ? now : d.stableSince()));
        String summary = w.program() + " (" + w.scope() + "): " + exe.substring(exe.lastIndexOf('/') + 1) + " (pid " + who.tgid() + ") " + ob.words()
                + " — " + LineageDetector.neverSeen(d, now)
                + (profile.partial() ? "; the profile is partial (the workload was running before vigil)" : "");
        Alert.Severity sev = switch (ob.severity()) {
            case HIGH -> Alert.Severity.HIGH;
            case MEDIUM -> Alert.Severity.MEDIUM;
            case LOW -> Alert.Severity.LOW;
        };
        return Alert.builder(DETECTOR, "anomaly").time(now).host(host).severity(sev)
                .summary(summary).process(p).ancestry(describer.ancestry(p.ppid()))
                .evidence("dimension", d.name()).evidence("item", item).evidence("action", ob.words()).evidence("what", ob.detail()).evidence("syscall", call)
                .evidence("workload", w.text()).evidence("learnt_items", d.items().size()).evidence("learning", learnedFor)
                .evidence("stable_since", String.valueOf(d.stableSince()))
                .evidence("allow", AllowRequests.command(w, d.name(), item))
                .evidence("stack", stack.isEmpty() ? null : dev.vigil.host.StackWords.evidence(stack))
                .evidence("call_site", stack.isEmpty() ? null : callSite(stack))
                .profile(w.text(), d.state().label() + (profile.partial() ? ", partial" : ""))
                .dedupKey(dedupKey(w, d.name(), item)).build();
    }

    /** The static check of a stack's call site (whether the program's own code makes that call there), for the alert. */
    private static Map<String, Object> callSite(List<StackFrame> stack) {
        return dev.vigil.host.CallSite.check(stack).map(c -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("consistent", c.consistent());
            m.put("check", c.words());
            return m;
        }).orElse(null);
    }

    /** The dedup key of a novel item's alert. */
    private static String dedupKey(WorkloadKey w, String dimension, String item) { return DETECTOR + "|" + w.text() + "|" + dimension + "|" + item; }
}
