package dev.vigil.workload;

import dev.vigil.alert.Alert;
import dev.vigil.alert.Metrics;
import dev.vigil.alert.ProcessRef;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileEvents;
import dev.vigil.profile.ProfileSet;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntToLongFunction;
import java.util.function.ObjLongConsumer;

/**
 * The workload detector, as the agent's run modes (live, replayed) all wire it: the lineage
 * of processes into workloads (exec and exit events), the profiler of first sights (slot and
 * item events), their novelties grouped per process and moment, and the alerts that pass
 * the filter handed to the sink. Confined to the detector thread.
 */
public final class WorkloadDetector {
    private final LineageDetector lineage;
    private final WorkloadProfiler profiler;
    private final NoveltyGroups groups = new NoveltyGroups(Duration.ofMillis(400));
    private final ProcessContext context;
    private final BiPredicate<ProcessRef, ProcessContext> passes;
    private final Consumer<Alert> sink;

    /** What a workload detector is configured with: learning, warm-up after a start, cgroups not profiled, the host's name in alerts. */
    public record Settings(Dimension.Learning learning, Duration warmup, List<String> ignore, String host) {}

    /**
     * @param facts      what the detectors ask about processes (live, recorded while live, or a recording's answers)
     * @param ignoreSlot told of a kernel slot whose workload is not profiled (so the kernel stops sending it)
     * @param events     where new items of the profiles are told (the fleet's profile events)
     * @param passes     the filters an alert's process must pass (the config's pid, uid, comm, cgroup)
     * @param sink       where alerts go (the alert pipeline)
     */
    public WorkloadDetector(Settings p, ProfileSet set, ProcessDescriber describer, ProcessFacts facts, IntConsumer ignoreSlot, ProfileEvents events,
                            BiPredicate<ProcessRef, ProcessContext> passes, Consumer<Alert> sink) {
        this.context = describer.context();
        this.passes = passes;
        this.sink = sink;
        this.lineage = new LineageDetector(set, p.learning(), p.warmup(), p.ignore(), describer, p.host()).facts(facts).events(events);
        this.profiler = new WorkloadProfiler(set, p.learning(), p.warmup(), p.ignore(), describer, p.host(), ignoreSlot).facts(facts).events(events);
        lineage.origins(profiler::origin);
    }

    public ProfileSet profiles() { return lineage.profiles(); }

    public WorkloadProfiler profiler() { return profiler; }

    /** An exec or exit: the lineage of workloads. */
    public void process(KernelEvent e, Instant now) { raise(lineage.accept(e, now), now); }

    /** A workload slot or a first sight of an item in one. */
    public void item(KernelEvent e, Instant now) { raise(profiler.accept(e, now), now); }

    /** A novelty waits for the others of its process ({@link NoveltyGroups}); the rest go out. */
    private void raise(List<Alert> alerts, Instant now) {
        for (Alert a : alerts) {
            if (passes.test(a.process(), context)) groups.offer(a, now).forEach(sink);
        }
    }

    /** The profiler's tick: each slot's activity, and the repeats the kernel counted (handed on to repeated); returns its alerts, to publish. */
    public List<Alert> tick(Instant now, IntToLongFunction activity, ObjLongConsumer<String> repeated) { return profiler.tick(now, activity, repeated); }

    /** Closes the alert groups due by now (null: all); true when it closed any. */
    public boolean due(Instant now) {
        List<Alert> due = groups.due(now);
        due.forEach(sink);
        return !due.isEmpty();
    }

    public long learnt() { return lineage.learnt() + profiler.learnt(); }

    public long novel() { return lineage.novel() + profiler.novel(); }

    public void register(Metrics metrics) {
        metrics.counter("vigil_profile_items_learnt", "Items workload profiles learnt", this::learnt)
                .counter("vigil_profile_novelties", "New items in stable workload profiles (alerted)", this::novel)
                .counter("vigil_profile_warmup_items", "New items learnt in a workload's warm-up after its start",
                        () -> lineage.warmedUp() + profiler.warmedUp())
                .counter("vigil_profile_items_unresolved", "Kernel items of a workload that could not be told (its process gone)", profiler::unresolved)
                .counter("vigil_profile_items_recrossed", "Known items that crossed from the kernel again (seen-map eviction, a second slot of a workload)",
                        profiler::seen)
                .counter("vigil_profile_execs_reparented", "Execs kept in the workload they came from though their parent was gone or re-parented "
                        + "(a double fork, setsid, a daemon)", lineage::reparented)
                .counter("vigil_profile_units_entered", "New workloads started inside a unit that had a stable one (alerted)", profiler::entered)
                .counter("vigil_profile_novelties_grouped", "Novelties folded into the alert of the same process and moment", groups::folded)
                .counter("vigil_profiles_evicted", "Idle workload profiles evicted to make room at max_profiles", () -> lineage.profiles().evicted())
                .gauge("vigil_profiles", "Workload profiles", () -> lineage.profiles().all().size());
    }

    /** The closing line of a live run: profiles, stable ones, items learnt and novel, where they were saved (file null: not saved). */
    public void summary(PrintStream log, Path file) {
        ProfileSet set = lineage.profiles();
        long stable = set.all().stream().filter(p -> p.dimensions().values().stream().anyMatch(d -> d.state() == Dimension.State.STABLE)).count();
        log.printf("vigil: %d workload profiles (%d stable), %d items learnt, %d novel%s%s%n", set.all().size(), stable, learnt(), novel(),
                set.refused() > 0 ? ", " + set.refused() + " workloads not profiled (max_profiles)" : "", file != null ? "; saved to " + file : "");
    }
}
