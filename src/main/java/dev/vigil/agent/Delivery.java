package dev.vigil.agent;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.fleet.FleetSubscriber;
import dev.vigil.fleet.KafkaProfileEvents;
import dev.vigil.fleet.Signer;
import dev.vigil.host.ProcessFilter;
import dev.vigil.profile.ProfileEvents;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every run mode's alerts and profile events go, opened once from the config before
 * anything is loaded in the kernel (a bad output fails first): the alert pipeline (dedup,
 * limits, outputs), the config's filters applied to alerts, the Kafka profile events and the
 * fleet's subscription. One owner; {@link #requestReload} may be called from any thread.
 */
final class Delivery implements AutoCloseable {
    private final AgentConfig config;
    private final PrintStream log;
    private final AlertPipeline pipeline;
    private final ProcessFilter filter;
    private final KafkaProfileEvents profileEvents;
    private final FleetSubscriber fleet;
    /**
     * The fleet's latest verified profile of each workload not merged yet: merged when the workload has a profile here
     * (the fleet's other services never take this host's room for profiles).
     */
    private final Map<WorkloadKey, FleetSubscriber.Import> fleetPending = new HashMap<>();
    private volatile boolean reload;

    Delivery(AgentConfig config, PrintStream log, List<AlertOutput> extra) {
        this.config = config;
        this.log = log;
        List<AlertOutput> outs = new ArrayList<>(Outputs.open(config.outputs(), config.host()));
        outs.addAll(extra);
        this.pipeline = new AlertPipeline(config.limits(), outs);
        this.filter = new ProcessFilter(config.filters());
        KafkaProfileEvents pe = null;
        FleetSubscriber fs = null;
        try {
            for (AgentConfig.Output o : config.outputs()) {
                if (!(o instanceof AgentConfig.Kafka k)) continue;
                if (pe == null && !k.profileTopic().isEmpty() && config.profiles().enabled()) {
                    try {
                        pe = new KafkaProfileEvents(k.bootstrap(), k.profileTopic(), config.host(), k.spool().resolve("profile-events"), k.spoolBytes(),
                                k.properties());
                    } catch (IOException | IllegalArgumentException e) {
                        throw new Outputs.OutputException("output kafka: profile events: " + e.getMessage());
                    }
                }
                if (fs == null && k.fleetKey() != null) {
                    try {
                        fs = new FleetSubscriber(k.bootstrap(), k.fleetTopic(), Signer.verifier(k.fleetKey()), k.properties(), config.host(),
                                config.stateDir() == null ? null : config.stateDir().resolve(FleetSubscriber.VERSIONS_FILE));
                    } catch (IOException | RuntimeException e) {
                        throw new Outputs.OutputException("output kafka: fleet: " + e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            if (pe != null) pe.close();
            pipeline.close();
            throw e;
        }
        this.profileEvents = pe;
        this.fleet = fs;
        for (AlertOutput o : outs) if (!o.repairedAtStart().isEmpty()) log.println("vigil: output " + o.name() + ": " + o.repairedAtStart());
        if (pe != null && pe.spoolRepaired() != null) log.println("vigil: output kafka: profile events spool " + pe.spoolRepaired());
    }

    AlertPipeline pipeline() { return pipeline; }

    /** The workload detector's settings in the config. */
    static dev.vigil.workload.WorkloadDetector.Settings workloadSettings(AgentConfig config) {
        AgentConfig.Profiles p = config.profiles();
        return new dev.vigil.workload.WorkloadDetector.Settings(p.learning(), p.warmup(), p.ignore(), config.host());
    }

    void publish(Alert a) { pipeline.publish(a); }

    void publish(List<Alert> alerts) { for (Alert a : alerts) pipeline.publish(a); }

    /** Where the profiles' new items go: Kafka's profile-events topic when an output names one. */
    ProfileEvents profileEvents() { return profileEvents == null ? ProfileEvents.NONE : profileEvents; }

    /** The config's filters (pid, uid, comm, cgroup), applied to an alert's process in user space. */
    ProcessFilter filter() { return filter; }

    /** The pipeline's metrics, and the profile events' and the fleet subscription's when the Kafka output has them. */
    void register(Metrics metrics) {
        pipeline.register(metrics);
        if (profileEvents != null) {
            KafkaProfileEvents pe = profileEvents;
            metrics.counter("vigil_profile_events", "Profile events for the fleet: sent, failed (a batch the brokers did not take), dropped (the spool was full)",
                            "result", () -> {
                                Map<String, Long> c = new LinkedHashMap<>(pe.counts());
                                c.keySet().retainAll(List.of("sent", "failed", "dropped"));
                                return c;
                            })
                    .gauge("vigil_profile_events_spooled_bytes", "Profile events waiting on disk for the brokers, in bytes",
                            () -> pe.counts().getOrDefault("spooled_bytes", 0L));
        }
        if (fleet != null) {
            metrics.counter("vigil_fleet_profiles", "Merged fleet profiles read: verified (imported) or rejected (failed verification; alerted)", "result",
                    fleet::counts);
        }
    }

    /**
     * The fleet's documents read since the last turn: a document that failed verification is alerted; a verified one
     * is merged into profiles (an item normal fleet-wide is allowed here) once its workload has a profile here, and kept
     * until then (profiles null: kept).
     */
    void applyFleet(ProfileSet profiles, Instant now) {
        if (fleet == null) return;
        publish(fleet.rejections());
        for (FleetSubscriber.Import im : fleet.imports()) fleetPending.put(im.key(), im); // a newer version replaces an older one
        if (profiles == null || fleetPending.isEmpty()) return;
        for (var it = fleetPending.values().iterator(); it.hasNext(); ) {
            FleetSubscriber.Import im = it.next();
            if (profiles.find(im.key()) == null) continue; // a workload this host does not run (yet)
            it.remove();
            int added = FleetSubscriber.merge(profiles, im, config.profiles().learning(), now);
            if (added > 0) log.printf("vigil: fleet profile of %s (version %d): %d items normal fleet-wide imported%n", im.key().text(), im.version(), added);
        }
    }

    /** Waits until the fleet's profiles as they are now have all been read (a replay starts from them); false after the timeout. */
    void awaitFleet(Duration timeout) {
        if (fleet == null) return;
        try {
            if (!fleet.awaitCaughtUp(timeout)) log.println("vigil: the fleet's profiles did not all come within 30 s: replaying without the rest");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the running loop to reopen outputs (logrotate) at its next turn. */
    void requestReload() { reload = true; }

    /** Reopens the outputs when asked since the last turn (SIGHUP), saying what was reopened. */
    void reloadIfAsked() {
        if (!reload) return;
        reload = false;
        List<String> done = pipeline.reopen();
        log.println("vigil: SIGHUP: " + (done.isEmpty() ? "nothing to reopen" : String.join("; ", done))
                + " (detectors, outputs and limits change only at a restart)");
    }

    /** The closing line of every run mode: alerts raised, emitted and suppressed. */
    void summary() {
        Map<String, Long> c = pipeline.counts();
        log.printf("vigil: %d alerts raised, %d emitted, %d suppressed as repeats, %d over the rate limit%n",
                c.get("raised"), c.get("emitted"), c.get("suppressed_duplicate"), c.get("suppressed_rate"));
    }

    /** A line for each output that failed or dropped alerts. */
    void outputFailures() {
        for (var o : pipeline.outputs()) {
            Map<String, Long> oc = o.counts();
            if (oc.get("failed") > 0 || oc.get("dropped") > 0) {
                log.printf("vigil: output %s: %d sent, %d failed, %d dropped%n", o.name(), oc.get("sent"), oc.get("failed"), oc.get("dropped"));
            }
        }
    }

    /** The profile events' counters (sent, failed, dropped, spooled_bytes); empty without a Kafka output. */
    Map<String, Long> profileEventCounts() { return profileEvents == null ? Map.of() : profileEvents.counts(); }

    /** The Kafka alert output's counters (sent, failed, dropped, spooled_bytes); empty without one. */
    Map<String, Long> kafkaAlertCounts() {
        for (AlertOutput o : pipeline.outputs()) if (o.name().equals("kafka")) return o.counts();
        return Map.of();
    }

    @Override
    public void close() {
        if (profileEvents != null) profileEvents.close();
        if (fleet != null) fleet.close();
        pipeline.close();
    }
}
