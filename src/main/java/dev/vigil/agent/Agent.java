package dev.vigil.agent;

import dev.vigil.config.AgentConfig;
import dev.vigil.fleet.FleetSubscriber;
import dev.vigil.fleet.KafkaProfileEvents;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.ProfileEvents;
import dev.vigil.sequence.Pins;
import dev.vigil.sequence.SequenceAlerts;
import dev.vigil.sequence.SequenceBursts;
import dev.vigil.sequence.SequenceReplay;
import dev.vigil.workload.LineageDetector;
import dev.vigil.workload.NoveltyGroups;
import dev.vigil.workload.WorkloadProfiler;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.Metrics;
import dev.vigil.alert.ProcessRef;
import dev.vigil.sensor.Sensor;
import dev.vigil.sensor.SensorSettings;
import dev.vigil.sensor.ExecSensor;
import dev.vigil.host.ProcessContext;
import dev.vigil.sensor.RiskySensor;
import dev.vigil.sensor.SequenceSensor;
import dev.vigil.sensor.SequenceWire;
import dev.vigil.sensor.SequenceWire.ProfileKey;
import dev.vigil.detect.sequence.PhMachine;
import dev.vigil.store.ProfileStore;
import dev.vigil.profile.ProfileSet;
import dev.vigil.source.ReplaySource;
import dev.vigil.syscall.SyscallTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The long-lived half of detection, written once: runs the detectors a config enables (the
 * sequence detector: per-executable lookahead-pair profiles in the kernel), the context
 * collectors (exec, risky), turns what they report into alerts in the one schema, passes
 * them through dedup and rate limits to every output, serves metrics, saves profile state
 * under the state folder every save interval and at the end, and pins the profile maps for
 * `vigil profiles`. One thread runs {@link #run}; {@link #requestReload} may be called from
 * any thread (SIGHUP). Close releases everything (nothing stays in the kernel).
 */
public final class Agent implements AutoCloseable {
    private final AgentConfig config;
    private final PrintStream log;
    private final AlertPipeline pipeline;
    private final ProcessContext context = new ProcessContext();
    private ProcessDescriber describer = new ProcessDescriber(context);
    private final SyscallTable table = SyscallTable.host();
    private final AlertFilter filter;
    private SequenceSensor sequence;
    private SequenceAlerts sequenceAlerts;
    private LineageDetector lineage;
    private WorkloadProfiler profiler;
    private dev.vigil.sensor.WorkloadSensor workload;
    private long lastTick;
    private final NoveltyGroups groups = new NoveltyGroups(Duration.ofMillis(400));
    private SequenceBursts bursts;
    private List<Sensor> side = List.of();
    private volatile boolean reload;
    private long lastAllowCheck;

    private static long now() { return System.nanoTime(); }
    private boolean pinned;
    private final KafkaProfileEvents profileEvents;
    private final FleetSubscriber fleet;
    /**
     * The fleet's latest verified profile of each workload not merged yet: merged when the workload has a profile here
     * (the fleet's other services never take this host's room for profiles).
     */
    private final Map<dev.vigil.profile.WorkloadKey, FleetSubscriber.Import> fleetPending = new java.util.HashMap<>();

    /** Opens the outputs (so a bad output fails before anything is loaded in the kernel). */
    public Agent(AgentConfig config, PrintStream log) {
        this(config, log, List.of());
    }

    /** With outputs of the caller's beside the config's (the demo collects its alerts). */
    public Agent(AgentConfig config, PrintStream log, List<dev.vigil.alert.AlertOutput> extra) {
        this.config = config;
        this.log = log;
        List<dev.vigil.alert.AlertOutput> outs = new ArrayList<>(Outputs.open(config.outputs(), config.host()));
        outs.addAll(extra);
        this.pipeline = new AlertPipeline(config.limits(), outs);
        this.filter = new AlertFilter(config.filters());
        KafkaProfileEvents pe = null;
        for (AgentConfig.Output o : config.outputs()) {
            if (o instanceof AgentConfig.Kafka k && !k.profileTopic().isEmpty() && config.profiles().enabled() && pe == null) {
                try {
                    pe = new KafkaProfileEvents(k.bootstrap(), k.profileTopic(), config.host(), k.spool().resolve("profile-events"), k.spoolBytes(), k.properties());
                } catch (IOException | IllegalArgumentException e) {
                    pipeline.close();
                    throw new Outputs.OutputException("output kafka: profile events: " + e.getMessage());
                }
            }
        }
        this.profileEvents = pe;
        FleetSubscriber fs = null;
        for (AgentConfig.Output o : config.outputs()) {
            if (o instanceof AgentConfig.Kafka k && k.fleetKey() != null && fs == null) {
                try {
                    fs = new FleetSubscriber(k.bootstrap(), k.fleetTopic(), dev.vigil.fleet.Signer.verifier(k.fleetKey()), k.properties(), config.host());
                } catch (IOException | RuntimeException e) {
                    if (pe != null) pe.close();
                    pipeline.close();
                    throw new Outputs.OutputException("output kafka: fleet: " + e.getMessage());
                }
            }
        }
        this.fleet = fs;
    }

    /**
     * Merges the fleet's verified profiles into the local ones (an item normal fleet-wide is allowed here) and raises
     * an alert for each document that failed verification.
     */
    private void applyFleet(java.time.Instant now) {
        if (fleet == null) return;
        for (Alert a : fleet.rejections()) pipeline.publish(a);
        for (FleetSubscriber.Import im : fleet.imports()) fleetPending.put(im.key(), im); // a newer version replaces an older one
        if (lineage == null || fleetPending.isEmpty()) return;
        for (var it = fleetPending.values().iterator(); it.hasNext(); ) {
            FleetSubscriber.Import im = it.next();
            if (lineage.profiles().find(im.key()) == null) continue; // a workload this host does not run (yet)
            it.remove();
            int added = FleetSubscriber.merge(lineage.profiles(), im, config.profiles().learning(), now);
            if (added > 0) log.printf("vigil: fleet profile of %s (version %d): %d items normal fleet-wide imported%n", im.key().text(), im.version(), added);
        }
    }

    /**
     * The fleet's documents read since the last turn: imported into the profiles, or alerted. The agent's loop does
     * this on its own; a caller that drives a replay (the fleet demo) calls it after the replay.
     */
    public void pollFleet() { applyFleet(java.time.Instant.now()); }

    /** The profile events' counters (sent, failed, dropped, spooled_bytes); empty without a Kafka output. */
    public Map<String, Long> profileEventCounts() { return profileEvents == null ? Map.of() : profileEvents.counts(); }

    /** The Kafka alert output's counters (sent, failed, dropped, spooled_bytes); empty without one. */
    public Map<String, Long> kafkaAlertCounts() {
        for (dev.vigil.alert.AlertOutput o : pipeline.outputs()) if (o instanceof dev.vigil.alert.KafkaOutput k) return k.counts();
        return Map.of();
    }

    /** The profile events' and the fleet subscription's counters, when the Kafka output has them. */
    private void registerFleet(Metrics metrics) {
        if (profileEvents != null) {
            KafkaProfileEvents pe = profileEvents;
            metrics.counter("vigil_profile_events", "Profile events for the fleet: sent, failed (a batch the brokers did not take), dropped (the spool was full)",
                            "result", () -> {
                                Map<String, Long> c = new java.util.LinkedHashMap<>(pe.counts());
                                c.keySet().retainAll(List.of("sent", "failed", "dropped"));
                                return c;
                            })
                    .gauge("vigil_profile_events_spooled_bytes", "Profile events waiting on disk for the brokers, in bytes",
                            () -> pe.counts().getOrDefault("spooled_bytes", 0L));
        }
        if (fleet != null) {
            FleetSubscriber f = fleet;
            metrics.counter("vigil_fleet_profiles", "Merged fleet profiles read: verified (imported) or rejected (failed verification; alerted)", "result",
                    f::counts);
        }
    }

    /** Where the profiles' new items go: Kafka's profile-events topic when an output names one. */
    private ProfileEvents profileEvents() { return profileEvents == null ? ProfileEvents.NONE : profileEvents; }

    public AlertPipeline pipeline() { return pipeline; }

    /** The saved profiles' file, or null when the agent keeps no state. */
    public Path profilesFile() { return config.stateDir() == null ? null : config.stateDir().resolve(ProfileStore.FILE); }

    /** Asks the running loop to reopen outputs (logrotate) at its next turn. */
    public void requestReload() { reload = true; }

    /**
     * Loads and attaches everything, then alerts until stop says so or the duration (null:
     * none) has passed; saves state at the end. Kernel and file failures are thrown.
     */
    public void run(Metrics metrics, BooleanSupplier stop, Duration duration) throws IOException {
        AgentConfig.Sequence s = config.sequence();
        pipeline.register(metrics);
        registerFleet(metrics);
        Path file = profilesFile();
        if (s != null && s.enabled()) {
            List<ProfileKey> keys = new ArrayList<>();
            for (Path p : s.exe()) keys.add(ProfileKey.of(p));
            ProfileStore.Snapshot saved = file != null && Files.exists(file) ? ProfileStore.read(file) : null;
            sequenceAlerts = new SequenceAlerts(config.host(), table, describer, s.tolerizeLimit(), s.stableCalls());
            bursts = s.burst().isZero() ? null : new SequenceBursts(s.burst(), s.burst().multipliedBy(10));
            if (bursts != null) {
                SequenceBursts b = bursts;
                metrics.counter("vigil_sequence_anomalies_in_bursts", "Sequence anomalies folded into the alert of their burst", b::folded);
            }
            for (int i = 0; i < keys.size(); i++) sequenceAlerts.paths().put(keys.get(i), s.exe().get(i).toAbsolutePath().normalize().toString());
            SequenceSensor.Settings settings = new SequenceSensor.Settings(s.window(), s.minCalls(), s.stableCalls(), s.tolerizeLimit(),
                    s.maxProfiles(), s.maxPairEntries(), keys);
            sequence = SequenceSensor.open(settings, this::onSequence);
            metrics.counter("vigil_watch_kernel_events", "The sequence probe's own counters (lost = ring buffer full; *_full = map full)", "kind", sequence::stats);
            if (saved != null) {
                sequence.restore(saved);
                for (ProfileStore.Entry e : saved.profiles()) if (!e.path().isEmpty()) sequenceAlerts.paths().putIfAbsent(new ProfileKey(e.ino(), e.dev()), e.path());
                log.printf("vigil: loaded %d profiles from %s%n", saved.profiles().size(), file);
            }
        }
        if (config.profiles().enabled()) {
            Path wf = workloadsFile();
            ProfileSet set = wf != null && Files.exists(wf) ? ProfileSet.read(wf, config.profiles().maxProfiles(), config.profiles().learning())
                    : new ProfileSet(config.profiles().maxProfiles());
            if (wf != null && Files.exists(wf)) log.printf("vigil: loaded %d workload profiles from %s%n", set.all().size(), wf);
            lineage = new LineageDetector(set, config.profiles().learning(), config.profiles().warmup(), config.profiles().ignore(), describer, config.host())
                    .events(profileEvents());
            profiler = new WorkloadProfiler(set, config.profiles().learning(), config.profiles().warmup(), config.profiles().ignore(), describer,
                    config.host(), slot -> { if (workload != null) workload.ignore(slot); }).events(profileEvents());
            if (events != null) {
                ProcessFacts recorded = ProcessFacts.recording(ProcessFacts.live(context), events::fact);
                lineage.facts(recorded);
                profiler.facts(recorded);
                log.println("vigil: recording the workload detectors' input to " + events.file());
            }
            applyAllows();
            metrics.counter("vigil_profile_items_learnt", "Items workload profiles learnt", () -> lineage.learnt() + profiler.learnt())
                    .counter("vigil_profile_novelties", "New items in stable workload profiles (alerted)", () -> lineage.novel() + profiler.novel())
                    .counter("vigil_profile_warmup_items", "New items learnt in a workload's warm-up after its start",
                            () -> lineage.warmedUp() + profiler.warmedUp())
                    .counter("vigil_profile_items_unresolved", "Kernel items of a workload that could not be told (its process gone)", profiler::unresolved)
                    .counter("vigil_profile_items_recrossed", "Known items that crossed from the kernel again (seen-map eviction, a second slot of a workload)",
                            profiler::seen)
                    .counter("vigil_profile_novelties_grouped", "Novelties folded into the alert of the same process and moment", groups::folded)
                    .gauge("vigil_profiles", "Workload profiles", () -> lineage.profiles().all().size());
        }
        side = startContext();
        if (profiler != null) {
            workload = Sensor.start(new dev.vigil.sensor.WorkloadSensor(config.profiles().maxSlots()), config.filters());
            dev.vigil.sensor.WorkloadSensor w = workload;
            profiler.repeats(new WorkloadProfiler.Repeats() {
                public boolean mark(int slot, int kind, long hash) { return w.markNovel(slot, kind, hash); }
                public long count(int slot, int kind, long hash) { return w.repeats(slot, kind, hash); }
            });
            log.printf("vigil: profiling workloads: the programs, files, network endpoints, high-risk calls and system calls of each (learning: %s) ...%n",
                    config.profiles().learning());
            metrics.counter("vigil_workload_kernel_events", "The workload probe's counters (lost = ring buffer full; slots_full = slot map full)", "kind",
                    workload::counts);
        }
        if (sequence != null) {
            sequence.attach();
            pinned = Pins.pin(sequence, s.pinDir(), log);
            log.printf("vigil: watching %s (window %d, normal after %d calls with %d stable; tolerize above %d anomalies in 128 calls) ...%n",
                    s.exe().isEmpty() ? "every process" : s.exe().size() + " executable(s)", s.window(), s.minCalls(), s.stableCalls(), s.tolerizeLimit());
        }
        long start = System.nanoTime(), lastSave = start;
        lastAllowCheck = start;
        long saveEvery = s == null || !s.enabled() ? 60_000_000_000L : s.saveEvery().toNanos();
        while (!stop.getAsBoolean()) {
            if (reload) {
                reload = false;
                List<String> done = pipeline.reopen();
                log.println("vigil: SIGHUP: " + (done.isEmpty() ? "nothing to reopen" : String.join("; ", done))
                        + " (detectors, outputs and limits change only at a restart)");
            }
            drainContext();
            if (now() - lastAllowCheck >= 1_000_000_000L) {
                applyAllows();
                lastAllowCheck = now();
            }
            applyFleet(java.time.Instant.now());
            if (sequence != null) sequence.poll(workload != null ? 50 : 200);
            else if (workload == null) sleep(200);
            if (workload != null) {
                workload.read(this::onWorkload, sequence != null ? 50 : 100);
                if (now() - lastTick >= 1_000_000_000L) {
                    lastTick = now();
                    tick();
                }
            }
            dueGroups(java.time.Instant.now());
            if (bursts != null) for (Alert a : bursts.due(java.time.Instant.now())) pipeline.publish(a);
            long now = System.nanoTime();
            if (now - lastSave >= saveEvery) {
                if (file != null && sequence != null) save(file);
                saveWorkloads();
                lastSave = now;
            }
            if (duration != null && now - start >= duration.toNanos()) break;
        }
        if (sequence != null) sequence.poll(0);
        if (bursts != null) for (Alert a : bursts.due(null)) pipeline.publish(a);
        finish(file);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The saved workload profiles' file, or null when the agent keeps no state. */
    public Path workloadsFile() { return config.stateDir() == null ? null : config.stateDir().resolve(ProfileSet.FILE); }

    /** Applies operators' allow requests waiting in the state folder, saying what was allowed. */
    private void applyAllows() {
        if (lineage == null || config.stateDir() == null) return;
        for (var r : dev.vigil.profile.AllowRequests.apply(config.stateDir(), lineage.profiles(), config.profiles().learning(), java.time.Instant.now())) {
            switch (r.action()) {
                case "import" -> log.printf("vigil: imported %s%n", r.item());
                case "reset" -> {
                    // what the kernel already sent for the workload must cross again, or the new profile would never learn it
                    if (workload != null) workload.forget(profiler.slotsOf(r.key()), r.dimension());
                    if (profiler != null) profiler.forgetRepeats(r.key());
                    lineage.profiles().get(r.key(), false);
                    var p = lineage.profiles().find(r.key());
                    if (p != null) p.dimensions(config.profiles().learning(), java.time.Instant.now());
                    log.printf("vigil: reset %s of %s: it learns again from now%n", r.dimension().isEmpty() ? "every dimension" : r.dimension(), r.key().text());
                }
                default -> log.printf("vigil: allowed in %s, %s: %s%n", r.key().text(), r.dimension(), r.item());
            }
        }
    }

    private void saveWorkloads() throws IOException {
        if (lineage != null && workloadsFile() != null) lineage.profiles().write(workloadsFile());
    }

    private void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ProfileStore.write(file, sequence.snapshot(sequenceAlerts.paths()));
    }

    private void finish(Path file) throws IOException {
        if (sequence != null && pinned) Pins.unpin(sequence, config.sequence().pinDir());
        pinned = false;
        side.forEach(Sensor::close);
        side = List.of();
        if (workload != null) {
            while (workload.read(this::onWorkload, 0) > 0) { }
            tick();
            for (Alert a : groups.due(null)) pipeline.publish(a);
            Map<String, Long> wc = workload.counts();
            log.printf("vigil: workload probe: %d first sights, %d events lost, %d workload starts not profiled (slots full)%n", wc.get("items"),
                    wc.get("lost"), wc.get("slots_full"));
            workload.close();
            workload = null;
        }
        if (events != null) {
            events.close();
            log.printf("vigil: recorded %,d lines of workload events to %s%n", events.lines(), events.file());
            events = null;
        }
        if (sequence != null && file != null) save(file);
        saveWorkloads();
        if (lineage != null) {
            long stable = lineage.profiles().all().stream().filter(p -> p.dimensions().values().stream()
                    .anyMatch(d -> d.state() == dev.vigil.profile.Dimension.State.STABLE)).count();
            log.printf("vigil: %d workload profiles (%d stable), %d items learnt, %d novel%s%s%n", lineage.profiles().all().size(), stable,
                    lineage.learnt() + profiler.learnt(), lineage.novel() + profiler.novel(), lineage.profiles().refused() > 0 ? ", " + lineage.profiles().refused() + " workloads not profiled (max_profiles)" : "",
                    workloadsFile() != null ? "; saved to " + workloadsFile() : "");
        }
        if (sequence != null) {
            List<SequenceWire.Profile> ps = sequence.profiles();
            Map<String, Long> st = sequence.stats();
            log.printf("vigil: %d profiles (%d normal), %d calls profiled, %d events lost, %d profiles and %d pair entries refused (maps full)%s%n",
                    ps.size(), ps.stream().filter(p -> p.state() == SequenceWire.NORMAL).count(), ps.stream().mapToLong(SequenceWire.Profile::calls).sum(),
                    st.get("lost"), st.get("profiles_full"), st.get("pairs_full"), file != null ? "; saved to " + file : "");
        }
        Map<String, Long> c = pipeline.counts();
        log.printf("vigil: %d alerts raised, %d emitted, %d suppressed as repeats, %d over the rate limit%n",
                c.get("raised"), c.get("emitted"), c.get("suppressed_duplicate"), c.get("suppressed_rate"));
        for (var o : pipeline.outputs()) {
            Map<String, Long> oc = o.counts();
            if (oc.get("failed") > 0 || oc.get("dropped") > 0) {
                log.printf("vigil: output %s: %d sent, %d failed, %d dropped%n", o.name(), oc.get("sent"), oc.get("failed"), oc.get("dropped"));
            }
        }
    }

    private void onSequence(SequenceWire.Event e) {
        if (e instanceof SequenceWire.Anomaly || e instanceof SequenceWire.StateChange) drainContext();
        Optional<Alert> a = sequenceAlerts.toAlert(e);
        if (a.isPresent() && filter.passes(a.get().process(), context)) burst(a.get());
    }

    /** A sequence alert: an anomaly joins its process's burst ({@link SequenceBursts}), the rest go out. */
    private void burst(Alert a) {
        if (bursts == null) pipeline.publish(a);
        else for (Alert x : bursts.offer(a)) pipeline.publish(x);
    }

    /**
     * The exec and risky collectors feeding the context. They are read on the thread that
     * reads the detectors' events and drained before each alert: a process's exec event was
     * sent before any of its anomalies, so its command line is known when the alert is made.
     */
    private List<Sensor> startContext() {
        List<Sensor> started = new ArrayList<>();
        SensorSettings fs = config.filters();
        try {
            if (config.contextCollectors().contains("exec")) started.add(Sensor.start(new ExecSensor(), fs));
            if (config.contextCollectors().contains("risky")) started.add(Sensor.start(new RiskySensor(), fs));
        } catch (RuntimeException e) {
            started.forEach(Sensor::close);
            log.println("vigil: alerts without process context (" + e.getMessage() + ")");
            return List.of();
        }
        return started;
    }

    private void drainContext() {
        for (Sensor col : side) {
            while (col.read(this::onContext, 0) > 0) { }
        }
    }

    /**
     * A workload slot or first sight. The context is drained first, so the exec event of the
     * process that did it (sent before anything it did) is known when the alert is made.
     */
    private void onWorkload(dev.vigil.event.KernelEvent e) {
        if (e instanceof dev.vigil.event.KernelEvent.Item) drainContext();
        java.time.Instant now = java.time.Instant.now();
        if (events != null) events.event(e, now);
        for (Alert a : profiler.accept(e, now)) if (filter.passes(a.process(), context)) raise(a, now);
    }

    /** An exec, exit or risky event: into the context, then to the workload profiles. */
    private void onContext(dev.vigil.event.KernelEvent e) {
        context.accept(e);
        if (lineage == null) return;
        java.time.Instant now = java.time.Instant.now();
        if (events != null) events.event(e, now);
        for (dev.vigil.alert.Alert a : lineage.accept(e, now)) if (filter.passes(a.process(), context)) raise(a, now);
    }

    /** A profile alert: a novelty waits for the others of its process ({@link NoveltyGroups}), the rest go out. */
    private void raise(Alert a, java.time.Instant now) {
        for (Alert x : groups.offer(a, now)) pipeline.publish(x);
    }

    /** Closes the alert groups due by now (noted in the event recording when it closed any). */
    private void dueGroups(java.time.Instant now) {
        List<Alert> due = groups.due(now);
        if (!due.isEmpty() && events != null) events.due(now);
        for (Alert a : due) pipeline.publish(a);
    }

    /** The profiler's tick: the kernel's activity per slot, the repeats it counted (both noted in the event recording). */
    private void tick() {
        java.time.Instant now = java.time.Instant.now();
        Map<Integer, Long> activity = new java.util.LinkedHashMap<>();
        Map<String, Long> repeats = new java.util.LinkedHashMap<>();
        List<Alert> out = profiler.tick(now, slot -> {
            long v = workload.activity(slot);
            activity.put(slot, v);
            return v;
        }, (key, n) -> {
            repeats.merge(key, n, Long::sum);
            pipeline.repeated(key, n);
        });
        if (events != null) events.tick(now, activity, repeats);
        for (Alert a : out) pipeline.publish(a);
    }

    private EventLog.Writer events;

    /** Records what the workload detectors take in to file, for {@link #replayEvents} (call before {@link #run}). */
    public void recordEvents(Path file) throws IOException {
        events = new EventLog.Writer(file);
    }

    /**
     * Replays a recording of the workload detectors' input ({@link #recordEvents}) through
     * the same profiles, lineage, grouping, limits and outputs, at the recorded times and with
     * the recorded answers about processes, from empty profiles: the same alerts as the run
     * that recorded it. Needs no privileges; loads and saves no state.
     */
    public EventLog.Recording replayEvents(Path file, Metrics metrics) throws IOException {
        if (!config.profiles().enabled()) throw new IllegalArgumentException("--replay-events needs workload profiles (detectors.profiles.enabled: true)");
        EventLog.Recording rec = EventLog.read(file);
        pipeline.register(metrics);
        registerFleet(metrics);
        describer = new ProcessDescriber(context, false);
        ProcessFacts facts = ProcessFacts.replay(rec.answers());
        ProfileSet set = new ProfileSet(config.profiles().maxProfiles());
        lineage = new LineageDetector(set, config.profiles().learning(), config.profiles().warmup(), config.profiles().ignore(), describer, config.host())
                .facts(facts).events(profileEvents());
        profiler = new WorkloadProfiler(set, config.profiles().learning(), config.profiles().warmup(), config.profiles().ignore(), describer,
                config.host(), slot -> { }).facts(facts).events(profileEvents());
        if (fleet != null && !rec.entries().isEmpty()) { // the fleet's profiles as they are now, before the first event
            try {
                if (!fleet.awaitCaughtUp(Duration.ofSeconds(30))) log.println("vigil: the fleet's profiles did not all come within 30 s: replaying without the rest");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            applyFleet(rec.entries().getFirst().time());
        }
        for (EventLog.Entry en : rec.entries()) {
            switch (en) {
                case EventLog.Event ev -> {
                    dev.vigil.event.KernelEvent e = ev.event();
                    if (e instanceof dev.vigil.event.KernelEvent.Exec || e instanceof dev.vigil.event.KernelEvent.Exit) {
                        context.accept(e);
                        for (Alert a : lineage.accept(e, ev.time())) if (filter.passes(a.process(), context)) raise(a, ev.time());
                    } else {
                        for (Alert a : profiler.accept(e, ev.time())) if (filter.passes(a.process(), context)) raise(a, ev.time());
                    }
                }
                case EventLog.Tick t -> {
                    applyFleet(t.time());
                    List<Alert> out = profiler.tick(t.time(), slot -> t.activity().getOrDefault(slot, 0L));
                    t.repeats().forEach(pipeline::repeated);
                    for (Alert a : out) pipeline.publish(a);
                }
                case EventLog.Due d -> { for (Alert a : groups.due(d.time())) pipeline.publish(a); }
            }
        }
        for (Alert a : groups.due(null)) pipeline.publish(a);
        Map<String, Long> c = pipeline.counts();
        log.printf("vigil: replayed %,d workload events from %s: %d workload profiles, %d items learnt, %d novel%n", rec.entries().size(), file,
                set.all().size(), lineage.learnt() + profiler.learnt(), lineage.novel() + profiler.novel());
        log.printf("vigil: %d alerts raised, %d emitted, %d suppressed as repeats, %d over the rate limit%n",
                c.get("raised"), c.get("emitted"), c.get("suppressed_duplicate"), c.get("suppressed_rate"));
        return rec;
    }

    /**
     * Replays a folder of `vigil record` traces through the sequence detector's Java twin,
     * from empty profiles, into the same alerts, limits and outputs as live (alert times are
     * the replay's). Needs no privileges; loads and saves no state.
     */
    public ReplaySource.Summary replay(Path dir, Metrics metrics) throws IOException {
        AgentConfig.Sequence s = config.sequence();
        if (s == null || !s.enabled()) throw new IllegalArgumentException("--replay needs the sequence detector (detectors.sequence.enabled: true)");
        pipeline.register(metrics);
        describer = new ProcessDescriber(context, false);
        sequenceAlerts = new SequenceAlerts(config.host(), table, describer, s.tolerizeLimit(), s.stableCalls());
        bursts = s.burst().isZero() ? null : new SequenceBursts(s.burst(), s.burst().multipliedBy(10));
        java.util.Set<String> only = new java.util.HashSet<>();
        for (Path p : s.exe()) only.add(p.toAbsolutePath().normalize().toString());
        SequenceReplay r = new SequenceReplay(new PhMachine.Settings(s.window(), s.minCalls(), s.stableCalls(), s.tolerizeLimit()), only,
                sequenceAlerts.paths(), e -> sequenceAlerts.toAlert(e).filter(a -> filter.passes(a.process(), context)).ifPresent(this::burst));
        ReplaySource.Summary sum = ReplaySource.replay(dir, r);
        if (bursts != null) for (Alert a : bursts.due(null)) pipeline.publish(a);
        var profiles = r.machine().profiles();
        log.printf("vigil: replayed %d process%s, %,d calls from %s: %d profiles (%d normal)%n", sum.processes(), sum.processes() == 1 ? "" : "es",
                sum.calls(), dir, profiles.size(), profiles.values().stream().filter(p -> p.state() == PhMachine.NORMAL).count());
        Map<String, Long> c = pipeline.counts();
        log.printf("vigil: %d alerts raised, %d emitted, %d suppressed as repeats, %d over the rate limit%n",
                c.get("raised"), c.get("emitted"), c.get("suppressed_duplicate"), c.get("suppressed_rate"));
        return sum;
    }

    @Override
    public void close() {
        if (sequence != null && pinned) Pins.unpin(sequence, config.sequence().pinDir());
        side.forEach(Sensor::close);
        side = List.of();
        if (workload != null) workload.close();
        workload = null;
        if (events != null) {
            try {
                events.close();
            } catch (IOException e) {
                // closing after a failure: what was flushed stays
            }
        }
        if (sequence != null) sequence.close();
        sequence = null;
        if (profileEvents != null) profileEvents.close();
        if (fleet != null) fleet.close();
        pipeline.close();
    }

    /** The filters of the config, applied to alerts in user space (pid, uid, comm, cgroup). */
    record AlertFilter(SensorSettings f) {
        boolean passes(ProcessRef p, ProcessContext ctx) {
            if (p == null) return true;
            if (!f.passes(p.pid(), p.uid(), p.comm())) return false;
            if (f.cgroups().isEmpty()) return true;
            long id = ctx.seen(p.pid()).map(ProcessContext.Seen::cgroup).orElse(0L);
            if (id == 0 && !p.cgroup().isEmpty()) {
                id = dev.vigil.host.CgroupFs.id(p.cgroup());
            }
            return f.cgroups().contains(id);
        }
    }
}
