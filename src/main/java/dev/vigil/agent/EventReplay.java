package dev.vigil.agent;

import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.ProfileSet;
import dev.vigil.workload.WorkloadDetector;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Replays a recording of the workload detectors' input ({@link EventLog}) through the same
 * wiring as live, at the recorded times and with the recorded answers about processes, from
 * empty profiles (after the fleet's, when the config imports them): the same alerts as the
 * run that recorded it. Needs no privileges; loads and saves no state.
 */
final class EventReplay {
    private EventReplay() {}

    static EventLog.Recording run(AgentConfig config, PrintStream log, Delivery out, Path file, Metrics metrics) throws IOException {
        if (!config.profiles().enabled()) throw new IllegalArgumentException("--replay-events needs workload profiles (detectors.profiles.enabled: true)");
        EventLog.Recording rec = EventLog.read(file);
        out.register(metrics);
        ProcessContext context = new ProcessContext();
        ProfileSet set = new ProfileSet(config.profiles().maxProfiles());
        WorkloadDetector workloads = new WorkloadDetector(Delivery.workloadSettings(config), set, new ProcessDescriber(context, false),
                ProcessFacts.replay(rec.answers()), slot -> { }, out.profileEvents(), out.filter()::passes, out.pipeline()::publish);
        workloads.profiler().probes(config.probes().stream().map(dev.vigil.event.ProbeSpec::forProfiles).toList());
        workloads.profiler().everyCall(config.profiles().syscalls());
        if (!rec.entries().isEmpty()) { // the fleet's profiles as they are now, before the first event
            out.awaitFleet(Duration.ofSeconds(30));
            out.applyFleet(set, rec.entries().getFirst().time());
        }
        for (EventLog.Entry en : rec.entries()) {
            switch (en) {
                case EventLog.Event ev -> {
                    KernelEvent e = ev.event();
                    if (e instanceof KernelEvent.Exec || e instanceof KernelEvent.Exit) {
                        context.accept(e);
                        workloads.process(e, ev.time());
                    } else {
                        workloads.item(e, ev.time());
                    }
                }
                case EventLog.Tick t -> {
                    out.applyFleet(set, t.time());
                    var alerts = workloads.tick(t.time(), slot -> t.activity().getOrDefault(slot, 0L), (key, n) -> { });
                    t.repeats().forEach(out.pipeline()::repeated);
                    out.publish(alerts);
                }
                case EventLog.Due d -> workloads.due(d.time());
            }
        }
        workloads.due(null);
        log.printf("vigil: replayed %,d workload events from %s: %d workload profiles, %d items learnt, %d novel%n", rec.entries().size(), file,
                set.all().size(), workloads.learnt(), workloads.novel());
        out.summary();
        return rec;
    }
}
