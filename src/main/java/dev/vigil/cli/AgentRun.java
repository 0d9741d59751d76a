package dev.vigil.cli;

import dev.vigil.agent.Agent;
import dev.vigil.agent.Outputs;
import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import java.time.Duration;

/** Runs an agent from a config for a command (agent, watch): privileges, signals, metrics, exit codes. */
final class AgentRun {
    private AgentRun() {}

    static int run(AgentConfig cfg, MetricsOption metrics, String command, Duration duration, boolean hangup) throws Exception {
        return run(cfg, metrics, command, duration, hangup, null);
    }

    /** events: where to record the workload detectors' input (null: nowhere). */
    static int run(AgentConfig cfg, MetricsOption metrics, String command, Duration duration, boolean hangup, java.nio.file.Path events) throws Exception {
        Privileges.require(command);
        Agent agent = open(cfg);
        if (events != null) {
            try {
                agent.recordEvents(events);
            } catch (java.io.IOException e) {
                agent.close();
                throw new UserError(ExitCodes.BAD_INPUT, events + ": cannot write (" + e.getMessage() + ")");
            }
        }
        try (ShutdownGuard guard = new ShutdownGuard(); Metrics served = metrics.open(command); agent) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            guard.onStop(() -> stop.set(true));
            if (hangup) onHangup(agent);
            agent.run(served, stop::get, duration);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        return ExitCodes.OK;
    }

    /** Replays a folder of traces through the agent's sequence detector and outputs (no privileges). */
    static int replay(AgentConfig cfg, MetricsOption metrics, java.nio.file.Path dir) throws Exception {
        return offline(cfg, metrics, (agent, served) -> agent.replay(dir, served));
    }

    /** Replays a recording of the workload detectors' input through the agent's profiles and outputs (no privileges). */
    static int replayEvents(AgentConfig cfg, MetricsOption metrics, java.nio.file.Path file) throws Exception {
        return offline(cfg, metrics, (agent, served) -> agent.replayEvents(file, served));
    }

    private interface Replay {
        void run(Agent agent, Metrics served) throws Exception;
    }

    private static int offline(AgentConfig cfg, MetricsOption metrics, Replay replay) throws Exception {
        Agent agent = open(cfg);
        try (Metrics served = metrics.open("agent"); agent) {
            replay.run(agent, served);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        } catch (dev.vigil.store.ModelFile.InvalidModelException e) {
            throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
        }
        return ExitCodes.OK;
    }

    /** SIGHUP asks the agent to reopen its output files (logrotate). */
    @SuppressWarnings("restriction")
    private static void onHangup(Agent agent) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> agent.requestReload());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            System.err.println("vigil: SIGHUP cannot be handled here (" + e.getMessage() + "); restart to reopen outputs");
        }
    }

    /** The agent with its outputs open; an output that cannot be opened is a bad config (exit 5). */
    private static Agent open(AgentConfig cfg) {
        try {
            return new Agent(cfg, System.err);
        } catch (Outputs.OutputException e) {
            throw new UserError(ExitCodes.BAD_INPUT, (cfg.file().isEmpty() ? "" : cfg.file() + ": ") + e.getMessage());
        }
    }
}
