package dev.vigil.agent;

import dev.vigil.bpf.ProgramStats;

import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.AllowRequests;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadProfile;
import dev.vigil.sensor.Sensor;
import dev.vigil.sensor.SequenceSensor;
import dev.vigil.sensor.WorkloadSensor;
import dev.vigil.sequence.Pins;
import dev.vigil.sequence.ProfileSnapshots;
import dev.vigil.sequence.SequenceDetector;
import dev.vigil.store.ProfileStore;
import dev.vigil.syscall.SyscallTable;
import dev.vigil.workload.WorkloadDetector;
import dev.vigil.workload.WorkloadProfiler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The agent watching the host: loads and attaches the config's sensors (the sequence
 * detector's, the context's, the workload probe), loads the saved state, then runs the loop:
 * outputs reopened on SIGHUP, operators' allow requests applied, the fleet's profiles merged,
 * every ring drained through {@link ContextFirst} into the detectors, the profiler's tick,
 * alert groups and bursts closed, state saved every save interval. Everything is acquired in
 * the constructor (what is off in the config stays null) and released by close, in reverse.
 * One thread.
 */
final class LiveRun implements AutoCloseable {
    private final AgentConfig config;
    private final PrintStream log;
    private final Delivery out;
    private final EventLog.Writer events;
    private final ProcessContext context = new ProcessContext();
    private final Path sequenceFile;
    private final SequenceSensor sequence;
    private final SequenceDetector sequenceAlerts;
    private final WorkloadDetector workloads;
    private final ContextFirst contextFirst;
    private final WorkloadSensor workload;
    /** The config's custom probes (null: none, or no workload profiles to learn them). */
    private final dev.vigil.sensor.ProbeSensor probes;
    private final boolean pinned;
    private final Coverage coverage;
    private final StateSaver saver;
    private long lastTick, lastAllowCheck, lastCoverage;
    /** Why the last save at exit failed, or null. */
    private String saveFailure;

    /**
     * @param events where the workload detectors' input is recorded (null: not recorded)
     * @param sequenceFile the sequence profiles' saved file (null: no state kept)
     */
    LiveRun(AgentConfig config, PrintStream log, Delivery out, EventLog.Writer events, Path sequenceFile, Path workloadsFile, Metrics metrics)
            throws IOException {
        this.config = config;
        this.log = log;
        this.out = out;
        this.events = events;
        this.sequenceFile = sequenceFile;
        ProcessDescriber describer = new ProcessDescriber(context);
        AgentConfig.Sequence s = config.sequence();
        out.register(metrics);
        this.saver = new StateSaver(config.host());
        metrics.counter("vigil_state_saves", "State files saved (saved) and saves that failed (failed: a full or read-only state folder; alerted)",
                "result", saver::counts);
        SequenceSensor seq = null;
        var spawns = new java.util.concurrent.atomic.AtomicReference<java.util.function.IntFunction<java.util.Optional<dev.vigil.event.KernelEvent.UserStack>>>();
        ProcessFacts liveFacts = ProcessFacts.live(context, spawns);
        ContextFirst ctx = null;
        WorkloadSensor w = null;
        dev.vigil.sensor.ProbeSensor ps = null;
        try {
            if (s != null && s.enabled()) {
                List<ProfileKey> keys = new ArrayList<>();
                for (Path p : s.exe()) keys.add(ProfileKey.of(p));
                ProfileStore.Snapshot saved = null;
                if (sequenceFile != null && Files.exists(sequenceFile)) {
                    try {
                        saved = ProfileStore.read(sequenceFile);
                    } catch (IOException | RuntimeException e) {
                        lost(sequenceFile, "sequence profiles", e);
                    }
                }
                sequenceAlerts = new SequenceDetector(config.host(), SyscallTable.host(), describer, s.tolerizeLimit(), s.stableCalls(), s.burst(),
                        s.alertFrame(), out.filter()::passes, out.pipeline()::publish);
                sequenceAlerts.register(metrics);
                // one symbolizer for every detector: the sequence alerts' stacks through the mappings the kernel sent too (not recorded: the replay of
                // the workload detectors asks for its own stacks only)
                sequenceAlerts.stacks((pid, st) -> liveFacts.stack(pid, -1, st).stream().map(dev.vigil.host.StackFrame::decode).toList());
                for (int i = 0; i < keys.size(); i++) sequenceAlerts.paths().put(keys.get(i), s.exe().get(i).toAbsolutePath().normalize().toString());
                SequenceSensor.Settings settings = new SequenceSensor.Settings(s.window(), s.minCalls(), s.stableCalls(), s.tolerizeLimit(),
                        s.maxProfiles(), s.maxPairEntries(), keys);
                seq = SequenceSensor.open(settings, this::onSequence);
                metrics.counter("vigil_watch_kernel_events", "The sequence probe's own counters (lost = ring buffer full; *_full = map full)", "kind",
                        seq::stats);
                if (saved != null) {
                    try {
                        ProfileSnapshots.restore(seq, saved);
                    } catch (RuntimeException e) { // another architecture or window: they cannot be used
                        lost(sequenceFile, "sequence profiles", e);
                        saved = null;
                    }
                }
                if (saved != null) {
                    for (ProfileStore.Entry e : saved.profiles()) {
                        if (!e.path().isEmpty()) sequenceAlerts.paths().putIfAbsent(new ProfileKey(e.ino(), e.dev()), e.path());
                    }
                    log.printf("vigil: loaded %d profiles from %s%n", saved.profiles().size(), sequenceFile);
                }
            } else {
                sequenceAlerts = null;
            }
            if (config.profiles().enabled()) {
                boolean exists = workloadsFile != null && Files.exists(workloadsFile);
                ProfileSet set = null;
                if (exists) {
                    try {
                        set = ProfileSet.read(workloadsFile, config.profiles().maxProfiles(), config.profiles().learning());
                    } catch (IOException | RuntimeException e) {
                        lost(workloadsFile, "workload profiles", e);
                        exists = false;
                    }
                }
                if (set == null) set = new ProfileSet(config.profiles().maxProfiles());
                if (exists) log.printf("vigil: loaded %d workload profiles from %s%n", set.all().size(), workloadsFile);
                ProcessFacts facts = events == null ? liveFacts : ProcessFacts.recording(liveFacts, events::fact);
                workloads = new WorkloadDetector(Delivery.workloadSettings(config), set, describer, facts, this::ignoreSlot, out.profileEvents(),
                        out.filter()::passes, out.pipeline()::publish);
                WorkloadDetector wd = workloads;
                set.evictIdle(() -> wd.profiler().slotted(), Instant::now);
                if (events != null) log.println("vigil: recording the workload detectors' input to " + events.file());
                applyAllows();
                workloads.register(metrics);
            } else {
                workloads = null;
            }
            ctx = ContextFirst.start(config, log, this::onContext);
            if (workloads != null) {
                WorkloadSensor ws = new WorkloadSensor(config.profiles().maxSlots(), config.profiles().syscalls());
                ctx.exec().ifPresent(ws::shareTasks); // exec events then carry the workload each process came from
                ws.frames(!config.probes().isEmpty() && ctx.exec().isPresent()); // first sights say the probed functions they were made in
                w = Sensor.start(ws, config.filters());
                WorkloadSensor probe = w;
                spawns.set(probe::spawnStack); // where each new process was started from, for its program's alert
                workloads.profiler().everyCall(config.profiles().syscalls());
                workloads.profiler().repeats(new WorkloadProfiler.Repeats() {
                    public boolean mark(int slot, int kind, long hash) { return probe.markNovel(slot, kind, hash); }
                    public long count(int slot, int kind, long hash) { return probe.repeats(slot, kind, hash); }
                });
                log.printf("vigil: profiling workloads: the programs, files, network endpoints, high-risk calls%s of each (learning: %s) ...%n",
                        config.profiles().syscalls() ? " and system calls" : " (not every system call: detectors.profiles.syscalls is off)", config.profiles().learning());
                if (!w.unavailable().isEmpty()) {
                    log.printf("vigil: warning: judged calls this kernel has no trace event for, not profiled: %s (a call the kernel was built "
                            + "without cannot be made either)%n", String.join(", ", w.unavailable()));
                }
                if (!config.profiles().domains().isEmpty()) {
                    log.printf("vigil: public endpoints by the names getaddrinfo gave them: %s%n", String.join("; ", w.attachResolvers(config.profiles().domains())));
                }
                metrics.counter("vigil_workload_kernel_events", "The workload probe's counters (lost = ring buffer full; slots_full = slot map full)", "kind",
                        probe::counts);
                if (!config.probes().isEmpty()) {
                    if (ctx.exec().isEmpty()) {
                        log.println("vigil: custom probes not attached: the exec probe, which tells each thread's workload, is not running");
                    } else {
                        var spec = config.probes().stream().map(dev.vigil.event.ProbeSpec::forProfiles).toList();
                        dev.vigil.sensor.ProbeSensor sensor = new dev.vigil.sensor.ProbeSensor(spec).shareTasks(ctx.exec().get()).shareStacks(w.stacksFd());
                        ps = Sensor.start(sensor, config.filters());
                        w.names(sensor);
                        workloads.profiler().probes(spec);
                        log.printf("vigil: custom probes, each a profile dimension (probe:NAME): %s%n",
                                String.join("; ", spec.stream().map(p -> p.name() + " (" + p.describe() + ")").toList()));
                        metrics.counter("vigil_probe_kernel_events", "The custom probes' counters: per probe hits, filtered, sent, lost (ring buffer full)",
                                "kind", sensor::counts);
                    }
                }
            }
            boolean pin = false;
            if (seq != null) {
                seq.attach();
                pin = Pins.pin(seq, s.pinDir(), log);
                log.printf("vigil: watching %s (window %d, normal after %d calls with %d stable; tolerize above %d anomalies in 128 calls) ...%n",
                        s.exe().isEmpty() ? "every process" : s.exe().size() + " executable(s)", s.window(), s.minCalls(), s.stableCalls(), s.tolerizeLimit());
            }
            this.pinned = pin;
        } catch (IOException | RuntimeException e) {
            if (ps != null) ps.close();
            if (w != null) w.close();
            if (ctx != null) ctx.close();
            if (seq != null) seq.close();
            saver.close();
            throw e;
        }
        this.sequence = seq;
        this.contextFirst = ctx;
        this.workload = w;
        this.probes = ps;
        this.coverage = coverage(config.host(), seq, ctx, w, workloads, out);
        if (ps != null) {
            dev.vigil.sensor.ProbeSensor p = ps;
            coverage.watch("probe_ring", "custom probe hits lost (the probes' ring buffer was full)",
                    "those calls of probed functions were neither learnt nor judged", () -> p.counts().getOrDefault("lost", 0L));
        }
        coverage.register(metrics);
        // each program's own time, as the kernel counts it while its statistics are on (sysctl kernel.bpf_stats_enabled=1)
        metrics.counter("vigil_bpf_program_run_ns", "Nanoseconds the kernel spent in each vigil BPF program (0 unless kernel.bpf_stats_enabled=1)", "program",
                        () -> bpfStats(ProgramStats.Totals::runNs, contextFirst, workload, sequence, probes))
                .counter("vigil_bpf_program_runs", "Runs of each vigil BPF program (0 unless kernel.bpf_stats_enabled=1)", "program",
                        () -> bpfStats(ProgramStats.Totals::runs, contextFirst, workload, sequence, probes))
                .gauge("vigil_bpf_stats_enabled", "1 while the kernel counts BPF programs' run time (kernel.bpf_stats_enabled)", () -> ProgramStats.enabled() ? 1 : 0);
    }

    /** Every counter of a loss, watched for coverage alerts. */
    private static Coverage coverage(String host, SequenceSensor seq, ContextFirst ctx, WorkloadSensor w, WorkloadDetector workloads, Delivery out) {
        Coverage c = new Coverage(host);
        if (w != null) {
            c.watch("workload_ring", "first sights lost by the workload probe (its ring buffer was full)",
                    "programs run, files opened, endpoints and high-risk calls of those workloads may have gone unseen; the lost items will cross again at"
                            + " their next use", () -> w.counts().getOrDefault("lost", 0L), affected(w::lostBySlot, workloads, w))
                    .watch("workload_slots", "workload starts not profiled (the kernel's slot table is full)",
                            "what those processes do is not profiled until slots of dead cgroups are reclaimed (the kernel keeps 4 per detectors.profiles.max_profiles, 4,096 to 65,536)", () -> w.counts().getOrDefault("slots_full", 0L))
                    .watch("workload_paths", "paths too long to resolve in the kernel",
                            "those files are named by the path as it was passed, cut at 255 bytes", () -> w.counts().getOrDefault("paths_truncated", 0L))
                    .watch("workload_stacks", "first sights whose user stack the kernel could not read",
                            "those alerts do not say where in the program they happened, and code running from anonymous memory there was not checked",
                            () -> w.counts().getOrDefault("stacks_unread", 0L));
        }
        if (workloads != null) {
            // (a short copy of a first sight's stack matters only when the first sight is alerted: learning takes most of them)
            c.watch("workload_stacks_short", "alerts whose stack the kernel copied short (the workload ring buffer was filling)",
                    "those alerts' stacks may stop before the program's own frames (8 KiB is copied while the ring is under a quarter full, 2 KiB to half, none past)",
                    () -> workloads.profiler().shortStackAlerts());
            // (items of processes gone before they were told stay a metric, vigil_profile_items_unresolved: short-lived children make them every day)
            c.watch("workload_profiles", "workloads not profiled (max_profiles reached, none idle to evict)", "new workloads are neither learnt nor alerted",
                    () -> workloads.profiles().refused())
                    .watch("workload_profiles_evicted", "learnt profiles evicted to make room (max_profiles reached)",
                            "those workloads, idle for 10 minutes with no process left, learn again at their next start", () -> workloads.profiles().evictedLearnt());
        }
        if (seq != null) {
            c.watch("sequence_ring", "sequence events lost (the sequence probe's ring buffer was full)", "anomalies in that time may not have been alerted",
                    () -> seq.stats().getOrDefault("lost", 0L))
                    .watch("sequence_profiles", "executables not profiled (the sequence profile table is full)", "their call sequences are not checked",
                            () -> seq.stats().getOrDefault("profiles_full", 0L))
                    .watch("sequence_pairs", "call pairs not stored (the pair table is full)", "those profiles learn no more and may alert on normal calls",
                            () -> seq.stats().getOrDefault("pairs_full", 0L));
        }
        for (Sensor s : ctx.sensors()) {
            if (s instanceof dev.vigil.sensor.ExecSensor ex) {
                c.watch("exec_ring", "program starts lost by the exec probe (its ring buffer was full)",
                        "the programs those workloads ran in that time may not have been judged, and alerts lack their command lines and ancestry",
                        () -> s.counts().getOrDefault("lost", 0L), affected(ex::lostBySlot, workloads, w));
                continue;
            }
            c.watch(s.name() + "_ring", s.name() + " events lost (its ring buffer was full)",
                    "alerts in that time may lack the process's command line and ancestry, and workloads their lineage",
                    () -> s.counts().getOrDefault("lost", 0L));
        }
        for (var o : out.pipeline().outputs()) {
            c.watch("output_" + o.name(), "alerts dropped by the " + o.name() + " output", "those alerts did not reach " + o.name()
                    + " (the other outputs had them)", () -> o.counts().getOrDefault("dropped", 0L));
        }
        return c;
    }

    /** The workloads whose per-slot loss counter moved since the last call: what a coverage alert names. */
    private static java.util.function.Supplier<List<String>> affected(java.util.function.Supplier<Map<Integer, Long>> lost, WorkloadDetector workloads,
                                                                       WorkloadSensor slots) {
        Map<Integer, Long> seen = new java.util.HashMap<>();
        dev.vigil.host.Cgroups cgroups = new dev.vigil.host.Cgroups();
        return () -> {
            java.util.Set<String> names = new java.util.TreeSet<>();
            lost.get().forEach((slot, n) -> {
                if (n != seen.getOrDefault(slot, 0L)) { // more lost, or fewer: the slot was reclaimed and lost anew
                    var told = workloads == null ? java.util.Optional.<dev.vigil.profile.WorkloadKey>empty() : workloads.profiler().workloadOf(slot);
                    names.add(told.map(k -> k.text()).orElseGet(() -> { // its slot event is still in the ring (or was lost): the kernel knows its cgroup
                        long cg = slots == null ? 0 : slots.cgroupOf(slot);
                        String path = cg > 0 ? cgroups.pathOf(cg) : "";
                        return "a workload " + (path.isEmpty() ? "" : "of cgroup " + path + " ") + "not yet told (slot " + slot + ")";
                    }));
                }
                seen.put(slot, n);
            });
            return List.copyOf(names);
        };
    }

    /** This agent's programs' totals (read through their own descriptors: no privilege beyond loading them). */
    private static Map<String, Long> bpfStats(java.util.function.ToLongFunction<ProgramStats.Totals> f, ContextFirst ctx, WorkloadSensor w, SequenceSensor seq,
                                              dev.vigil.sensor.ProbeSensor probes) {
        List<dev.vigil.bpf.BpfObject> objects = new java.util.ArrayList<>();
        if (probes != null) probes.bpf().ifPresent(objects::add);
        for (Sensor s : ctx.sensors()) s.bpf().ifPresent(objects::add);
        if (w != null) w.bpf().ifPresent(objects::add);
        if (seq != null && seq.bpf() != null && seq.bpf().isLoaded()) objects.add(seq.bpf());
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            ProgramStats.of(objects).forEach((name, t) -> m.put(name, f.applyAsLong(t)));
        } catch (RuntimeException e) {
            // a program closed while read (the agent stopping): no figures this time
        }
        return m;
    }

    private static long now() { return System.nanoTime(); }

    /**
     * A saved state file that cannot be read (a power cut emptied it, a disk error, another version): the agent does not
     * stay down for it. The file is moved aside (kept for a post-mortem), a high-severity coverage alert says the profiles
     * are lost and learning starts again, and detection goes on.
     */
    private void lost(Path file, String what, Exception why) {
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + java.time.Instant.now().toString().replace(':', '-'));
        String where;
        try {
            Files.move(file, aside);
            where = "moved aside to " + aside;
        } catch (IOException e) {
            where = "left in place (" + e.getMessage() + ")";
        }
        log.printf("vigil: %s cannot be read (%s): %s; learning again%n", file, why.getMessage(), where);
        out.publish(dev.vigil.alert.Alert.builder("coverage", "coverage").time(Instant.now()).host(config.host()).severity(dev.vigil.alert.Alert.Severity.HIGH)
                .summary("vigil's saved " + what + " are lost: " + file + " cannot be read (" + why.getMessage() + "); it was " + where
                        + "; they learn again from now, so what they learnt is not alerted against until they are stable again")
                .evidence("source", "state").evidence("file", file.toString()).evidence("reason", String.valueOf(why.getMessage()))
                .evidence("moved_to", where.startsWith("moved") ? aside.toString() : "")
                .dedupKey("coverage|state|" + file).build());
    }

    /** A slot whose workload is not profiled: the kernel stops sending it (the probe is not attached yet at the first items: none come). */
    private void ignoreSlot(int slot) {
        if (workload != null) workload.ignore(slot);
    }

    /** Alerts until stop says so or the duration (null: none) has passed, then drains, saves and says what it did. */
    void run(BooleanSupplier stop, Duration duration) throws IOException {
        AgentConfig.Sequence s = config.sequence();
        long start = now(), lastSave = start;
        lastAllowCheck = start;
        long saveEvery = s == null || !s.enabled() ? 60_000_000_000L : s.saveEvery().toNanos();
        while (!stop.getAsBoolean()) {
            out.reloadIfAsked();
            contextFirst.drain();
            if (now() - lastAllowCheck >= 1_000_000_000L) {
                applyAllows();
                lastAllowCheck = now();
            }
            out.applyFleet(workloads == null ? null : workloads.profiles(), Instant.now());
            if (sequence != null) sequence.poll(workload != null ? 50 : 200);
            else if (workload == null) sleep(200);
            if (workload != null) {
                workload.read(this::onWorkload, sequence != null ? 50 : 100);
                readProbes();
                if (now() - lastTick >= 1_000_000_000L) {
                    lastTick = now();
                    tick();
                }
            }
            if (now() - lastCoverage >= 1_000_000_000L) {
                lastCoverage = now();
                out.publish(coverage.check(Instant.now()));
                out.publish(saver.alerts());
            }
            Instant turn = Instant.now();
            if (workloads != null && workloads.due(turn) && events != null) events.due(turn);
            if (sequenceAlerts != null) sequenceAlerts.due(Instant.now());
            long now = now();
            if (now - lastSave >= saveEvery) {
                saveSequences();
                saveWorkloads();
                lastSave = now;
            }
            if (duration != null && now - start >= duration.toNanos()) break;
        }
        if (sequence != null) sequence.poll(0);
        if (sequenceAlerts != null) sequenceAlerts.due(null);
        finish();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A sequence event: context first, then its alert. */
    private void onSequence(KernelEvent.Sequence e) {
        contextFirst.before(e);
        sequenceAlerts.accept(e);
    }

    /** A workload slot or first sight: context first, then the profiler (noted in the event recording). */
    private void onWorkload(KernelEvent e) {
        contextFirst.before(e);
        Instant now = Instant.now();
        if (events != null) events.event(e, now);
        workloads.item(e, now);
    }

    /**
     * The probes' hits: the workload ring first (a hit's thread may belong to a workload whose slot event was sent just
     * before it), then each hit, context first, to the profiler.
     */
    private void readProbes() {
        if (probes == null) return;
        contextFirst.drain();
        while (workload.read(this::onWorkload, 0) > 0) { }
        probes.read(this::onProbe, 0);
    }

    /** A probe hit (its context drained once per batch, by {@link #readProbes}): to the profiler, noted in the event recording. */
    private void onProbe(KernelEvent e) {
        Instant now = Instant.now();
        if (events != null) events.event(e, now);
        workloads.item(e, now);
    }

    /** An exec, exit or risky event: into the context, then to the workloads' lineage (noted in the event recording). */
    private void onContext(KernelEvent e) {
        context.accept(e);
        if (workloads == null) return;
        Instant now = Instant.now();
        if (events != null) events.event(e, now);
        workloads.process(e, now);
    }

    private long lastReclaim, slotsFullSeen;

    /**
     * Frees the kernel slots of workloads whose cgroup is gone (every 30 s, and at once when a
     * workload found the table full), so short-lived cgroups cannot use it up.
     */
    private void reclaimSlots() {
        long full = workload.counts().getOrDefault("slots_full", 0L);
        if (now() - lastReclaim < 30_000_000_000L && full == slotsFullSeen) return;
        lastReclaim = now();
        slotsFullSeen = full;
        var live = dev.vigil.host.Cgroups.liveIds();
        if (live.isEmpty()) return; // cannot tell which cgroups are gone: free nothing
        java.util.Set<Long> ids = live.get();
        long newest = ids.stream().mapToLong(Long::longValue).max().orElse(Long.MAX_VALUE);
        // ids grow: one above the walk's newest was made after it, and is alive
        var freed = workload.reclaim(id -> id > newest || ids.contains(id));
        workloads.profiler().released(freed);
    }

    /** The profiler's tick: the kernel's activity per slot, the repeats it counted (both noted in the event recording). */
    private void tick() {
        reclaimSlots();
        Instant now = Instant.now();
        Map<Integer, Long> activity = new LinkedHashMap<>();
        Map<String, Long> repeats = new LinkedHashMap<>();
        var alerts = workloads.tick(now, slot -> {
            long v = workload.activity(slot);
            activity.put(slot, v);
            return v;
        }, (key, n) -> {
            repeats.merge(key, n, Long::sum);
            out.pipeline().repeated(key, n);
        });
        if (events != null) events.tick(now, activity, repeats);
        out.publish(alerts);
    }

    /** Applies operators' allow requests waiting in the state folder, saying what was allowed. */
    private void applyAllows() {
        if (workloads == null || config.stateDir() == null) return;
        ProfileSet set = workloads.profiles();
        for (var r : AllowRequests.apply(config.stateDir(), set, config.profiles().learning(), Instant.now())) {
            switch (r.action()) {
                case "import" -> log.printf("vigil: imported %s%n", r.item());
                case "reset" -> {
                    // what the kernel already sent for the workload must cross again, or the new profile would never learn it
                    if (workload != null) workload.forget(workloads.profiler().slotsOf(r.key()), r.dimension());
                    workloads.profiler().forgetRepeats(r.key());
                    set.get(r.key(), false);
                    WorkloadProfile p = set.find(r.key());
                    if (p != null) p.dimensions(config.profiles().learning(), Instant.now());
                    log.printf("vigil: reset %s of %s: it learns again from now%n", r.dimension().isEmpty() ? "every dimension" : r.dimension(), r.key().text());
                }
                default -> log.printf("vigil: allowed in %s, %s: %s%n", r.key().text(), r.dimension(), r.item());
            }
        }
    }

    private Path workloadsFile() { return config.stateDir() == null ? null : config.stateDir().resolve(ProfileSet.FILE); }

    /** Hands the workload profiles as they are now to the saver (the file is written off this thread). */
    private void saveWorkloads() throws IOException {
        if (workloads != null && workloadsFile() != null) saver.submit("workload profiles", workloadsFile(), workloads.profiles().toJson());
    }

    /** Hands the sequence profiles as they are now (read from the kernel's maps) to the saver. */
    private void saveSequences() throws IOException {
        if (sequence == null || sequenceFile == null) return;
        saver.submit("sequence profiles", sequenceFile, ProfileStore.bytes(ProfileSnapshots.snapshot(sequence, sequenceAlerts.paths())));
    }

    /**
     * The last save, waited for: a state file that cannot be written is said in a line and alerted, and ends the run with
     * an error (what was learnt since the last save that worked is lost).
     */
    private void saveAtExit() throws IOException {
        saveSequences();
        saveWorkloads();
        boolean done;
        try {
            done = saver.flush(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        out.publish(saver.alerts());
        List<String> failed = new ArrayList<>();
        for (Path f : new Path[] {sequenceFile, workloadsFile()}) {
            if (f != null && saver.failure(f) != null) failed.add(f + ": " + saver.failure(f));
        }
        if (!done) failed.add("the saves did not finish within 30 s");
        if (!failed.isEmpty()) saveFailure = "cannot save state: " + String.join("; ", failed) + " (what was learnt since the last save is lost)";
    }

    /** The end of the loop: the rings drained, groups closed, state saved, and a summary of each detector and of the alerts. */
    private void finish() throws IOException {
        contextFirst.drain();
        if (workload != null) {
            while (workload.read(this::onWorkload, 0) > 0) { }
            if (probes != null) {
                contextFirst.drain();
                while (probes.read(this::onProbe, 0) > 0) { }
            }
            tick();
            workloads.due(null);
            Map<String, Long> wc = workload.counts();
            log.printf("vigil: workload probe: %d first sights, %d events lost, %d workload starts not profiled (slots full)%n", wc.get("items"),
                    wc.get("lost"), wc.get("slots_full"));
            if (probes != null) {
                Map<String, Long> pc = probes.counts();
                for (var p : probes.probes()) {
                    log.printf("vigil: probe %s: %d hits, %d filtered in the kernel, %d sent, %d lost%n", p.name(), pc.getOrDefault(p.name() + ".hits", 0L),
                            pc.getOrDefault(p.name() + ".filtered", 0L), pc.getOrDefault(p.name() + ".sent", 0L), pc.getOrDefault(p.name() + ".lost", 0L));
                }
                if (workloads.profiler().probeUnresolved() > 0) {
                    log.printf("vigil: %d probe hits of threads in no profiled workload%n", workloads.profiler().probeUnresolved());
                }
            }
        }
        if (events != null) {
            events.close();
            log.printf("vigil: recorded %,d lines of workload events to %s%n", events.lines(), events.file());
        }
        out.publish(coverage.check(null)); // a loss in the last second, or one held back by the minute, is an alert too
        saveAtExit();
        if (workloads != null) workloads.summary(log, workloadsFile());
        if (sequence != null) {
            List<SequenceProfile> ps = sequence.profiles();
            Map<String, Long> st = sequence.stats();
            log.printf("vigil: %d profiles (%d normal), %d calls profiled, %d events lost, %d profiles and %d pair entries refused (maps full)%s%n",
                    ps.size(), ps.stream().filter(p -> p.state() == SequenceProfile.NORMAL).count(), ps.stream().mapToLong(SequenceProfile::calls).sum(),
                    st.get("lost"), st.get("profiles_full"), st.get("pairs_full"), sequenceFile != null ? "; saved to " + sequenceFile : "");
        }
        out.summary();
        out.outputFailures();
        if (saveFailure != null) throw new IOException(saveFailure);
    }

    @Override
    public void close() {
        if (sequence != null && pinned) Pins.unpin(sequence, config.sequence().pinDir());
        if (probes != null) probes.close();
        if (workload != null) workload.close();
        contextFirst.close();
        if (events != null) {
            try {
                events.close();
            } catch (IOException e) {
                // closing after a failure: what was flushed stays
            }
        }
        if (sequence != null) sequence.close();
        saver.close();
    }
}
