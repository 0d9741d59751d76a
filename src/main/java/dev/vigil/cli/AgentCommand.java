package dev.vigil.cli;

import dev.vigil.config.AgentConfig;
import dev.vigil.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run vigil as a service: the detectors, context collectors, alert limits and outputs of one config file",
                "(default /etc/vigil/vigil.yaml if it exists, else built-in defaults; see --print-config).",
                "SIGTERM/SIGINT stop it cleanly (state saved, nothing left in the kernel); SIGHUP reopens output files."})
final class AgentCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The config file (default: /etc/vigil/vigil.yaml when it exists).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective config, every default written out, and exit.")
    boolean printConfig;

    @Option(names = "--duration", paramLabel = "S", description = "Stop after this many seconds (default: until SIGTERM).")
    Integer duration;

    @Option(names = "--replay", paramLabel = "DIR", description = "Replay a folder of vigil record traces through the config's sequence detector (its Java twin) and outputs, instead of watching the host; no privileges, no state loaded or saved.")
    Path replay;

    @Option(names = "--record-events", paramLabel = "FILE", description = "Also record what the workload profiles take in (events, kernel activity, answers about processes) to FILE, for --replay-events.")
    Path recordEvents;

    @Option(names = "--replay-events", paramLabel = "FILE", description = "Replay a --record-events recording through the config's workload profiles and outputs, at its recorded times: the same alerts as the run that recorded it; no privileges, no state loaded or saved.")
    Path replayEvents;

    @Mixin MetricsOption metrics;

    @Override
    public Integer call() throws Exception {
        if (duration != null && duration < 1) throw new UserError(ExitCodes.USAGE, "--duration must be at least 1");
        AgentConfig cfg;
        try {
            Path file = config != null ? config : Files.exists(AgentConfig.DEFAULT_FILE) ? AgentConfig.DEFAULT_FILE : null;
            cfg = file == null ? AgentConfig.defaults() : AgentConfig.load(file);
        } catch (ConfigException e) {
            throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
        }
        if (printConfig) {
            System.out.print("# vigil agent: effective config (" + (cfg.file().isEmpty() ? "built-in defaults" : cfg.file()) + ")\n" + cfg.toYaml());
            return ExitCodes.OK;
        }
        cfg.warnings().forEach(w -> System.err.println("vigil: " + w));
        if (metrics.address == null && cfg.metrics() != null) metrics.address = cfg.metrics();
        metrics.check();
        AgentConfig.Sequence s = cfg.sequence();
        if (s != null && s.enabled()) {
            for (Path p : s.exe()) if (!Files.isRegularFile(p)) throw new UserError(ExitCodes.BAD_INPUT, cfg.file() + ": detectors.sequence.exe: " + p + ": no such file");
        }
        if (replay != null && replayEvents != null) throw new UserError(ExitCodes.USAGE, "--replay and --replay-events replay different recordings: give one");
        if (replayEvents != null) return AgentRun.replayEvents(cfg, metrics, replayEvents);
        if (replay != null) return AgentRun.replay(cfg, metrics, replay);
        return AgentRun.run(cfg, metrics, "agent", duration == null ? null : Duration.ofSeconds(duration), true, recordEvents);
    }
}
