package dev.vigil.agent;

import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.profile.ProfileSet;
import dev.vigil.source.ReplaySource;
import dev.vigil.store.ProfileStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The agent service, from one config: its outputs ({@link Delivery}) are opened at
 * construction, so a bad output fails before anything is loaded in the kernel; then one of
 * three run modes over the same wiring of detectors ({@link WorkloadDetection},
 * {@link SequenceDetection}) and outputs: {@link #run} watches the host ({@link LiveRun}),
 * {@link #replayEvents} replays a recording of the workload detectors' input
 * ({@link EventReplay}), {@link #replay} replays recorded traces through the sequence
 * detector's twin ({@link TraceReplay}). One thread runs a mode; {@link #requestReload} may be
 * called from any thread (SIGHUP). Close releases everything (nothing stays in the kernel).
 */
public final class Agent implements AutoCloseable {
    private final AgentConfig config;
    private final PrintStream log;
    private final Delivery delivery;
    /** Where {@link #run} records the workload detectors' input; null unless {@link #recordEvents} asked for it. */
    private EventLog.Writer recording;

    /** Opens the outputs (so a bad output fails before anything is loaded in the kernel). */
    public Agent(AgentConfig config, PrintStream log) {
        this(config, log, List.of());
    }

    /** With outputs of the caller's beside the config's (the demo collects its alerts). */
    public Agent(AgentConfig config, PrintStream log, List<AlertOutput> extra) {
        this.config = config;
        this.log = log;
        this.delivery = new Delivery(config, log, extra);
    }

    public AlertPipeline pipeline() { return delivery.pipeline(); }

    /**
     * The fleet's documents read since the last turn: one that failed verification is alerted; verified ones wait for
     * the next run's workloads. A mode's own loop does this as it goes; a caller that drives replays (the fleet demo)
     * calls it between them.
     */
    public void pollFleet() { delivery.applyFleet(null, Instant.now()); }

    /** The profile events' counters (sent, failed, dropped, spooled_bytes); empty without a Kafka output. */
    public Map<String, Long> profileEventCounts() { return delivery.profileEventCounts(); }

    /** The Kafka alert output's counters (sent, failed, dropped, spooled_bytes); empty without one. */
    public Map<String, Long> kafkaAlertCounts() { return delivery.kafkaAlertCounts(); }

    /** The saved sequence profiles' file, or null when the agent keeps no state. */
    public Path profilesFile() { return config.stateDir() == null ? null : config.stateDir().resolve(ProfileStore.FILE); }

    /** The saved workload profiles' file, or null when the agent keeps no state. */
    public Path workloadsFile() { return config.stateDir() == null ? null : config.stateDir().resolve(ProfileSet.FILE); }

    /** Asks the running loop to reopen outputs (logrotate) at its next turn. */
    public void requestReload() { delivery.requestReload(); }

    /** Records what the workload detectors take in to file, for {@link #replayEvents} (call before {@link #run}). */
    public void recordEvents(Path file) throws IOException {
        recording = new EventLog.Writer(file);
    }

    /**
     * Loads and attaches everything, then alerts until stop says so or the duration (null:
     * none) has passed; saves state at the end. Kernel and file failures are thrown; what was
     * loaded is released either way.
     */
    public void run(Metrics metrics, BooleanSupplier stop, Duration duration) throws IOException {
        EventLog.Writer events = recording;
        recording = null;
        try (LiveRun live = new LiveRun(config, log, delivery, events, profilesFile(), workloadsFile(), metrics)) {
            live.run(stop, duration);
        } catch (IOException | RuntimeException e) {
            if (events != null) closeQuietly(events);
            throw e;
        }
    }

    private static void closeQuietly(EventLog.Writer w) {
        try {
            w.close();
        } catch (IOException e) {
            // closing after a failure: what was flushed stays
        }
    }

    /**
     * Replays a recording of the workload detectors' input ({@link #recordEvents}) through
     * the same profiles, lineage, grouping, limits and outputs, at the recorded times and with
     * the recorded answers about processes, from empty profiles: the same alerts as the run
     * that recorded it. Needs no privileges; loads and saves no state.
     */
    public EventLog.Recording replayEvents(Path file, Metrics metrics) throws IOException {
        return EventReplay.run(config, log, delivery, file, metrics);
    }

    /**
     * Replays a folder of `vigil record` traces through the sequence detector's Java twin,
     * from empty profiles, into the same alerts, limits and outputs as live (alert times are
     * the replay's). Needs no privileges; loads and saves no state.
     */
    public ReplaySource.Summary replay(Path dir, Metrics metrics) throws IOException {
        return TraceReplay.run(config, log, delivery, dir, metrics);
    }

    @Override
    public void close() {
        if (recording != null) closeQuietly(recording);
        delivery.close();
    }
}
