package dev.vigil.cli;

import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.config.AgentConfig;
import dev.vigil.event.SensorSettings;
import dev.vigil.store.ProfileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Watch every process on the host (or only --exe) with per-executable lookahead-pair profiles",
                "kept in the kernel (pH/ebpH). Profiles train, turn normal by themselves, and alert on unseen",
                "call sequences. Administer them from another shell with `vigil profiles`."})
final class WatchCommand implements Callable<Integer> {
    static final String PIN_DIR = "/sys/fs/bpf/vigil";

    @Option(names = "--profiles", description = "Folder to load profiles from at start and save them to (every --save-every and on exit).")
    Path profilesDir;

    @Option(names = "--json", description = "One JSON object per line on stdout.")
    boolean json;

    @Option(names = "--exe", description = "Only watch this executable (repeatable).")
    List<Path> exes = new ArrayList<>();

    @Option(names = "--window", defaultValue = "9", description = "Calls in a window: the current one and up to 8 before it (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--min-calls", defaultValue = "1000000", description = "Calls a profile needs before it can become normal (default: ${DEFAULT-VALUE}).")
    long minCalls;

    @Option(names = "--stable-calls", defaultValue = "200000", description = "Calls without a new pair before a profile becomes normal (default: ${DEFAULT-VALUE}).")
    long stableCalls;

    @Option(names = "--tolerize-limit", defaultValue = "12", description = "Anomalies in a task's last 128 calls that send a normal profile back to training (default: ${DEFAULT-VALUE}).")
    int tolerizeLimit;

    @Option(names = "--max-profiles", defaultValue = "4096", description = "Most executables profiled (default: ${DEFAULT-VALUE}).")
    int maxProfiles;

    @Option(names = "--max-pair-entries", defaultValue = "65536", description = "Most (executable, call) pair bitmaps, 512 bytes each (default: ${DEFAULT-VALUE}).")
    int maxPairEntries;

    @Option(names = "--demo", description = "Fast training for demos: --min-calls 5000 --stable-calls 1000.")
    boolean demo;

    @Option(names = "--save-every", defaultValue = "60", description = "Seconds between saves with --profiles (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--duration", description = "Stop after this many seconds (default: until Ctrl-C).")
    Integer duration;

    @Option(names = "--pin-dir", hidden = true, defaultValue = PIN_DIR, description = "bpffs folder for the pinned profile maps.")
    String pinDir;

    @picocli.CommandLine.Mixin MetricsOption metrics;

    @Option(names = "--no-context", description = "Do not run the exec and risky collectors that add each alerting process's command line and recent high-risk calls to its alerts.")
    boolean noContext;

    @Option(names = "--cooldown", defaultValue = "0", paramLabel = "S",
            description = "Suppress repeats of the same alert (same profile, call and sequence) for S seconds, counting them (default: ${DEFAULT-VALUE}: every anomaly, as pH).")
    int cooldown;

    @Override
    public Integer call() throws Exception {
        if (demo) {
            minCalls = 5000;
            stableCalls = 1000;
        }
        for (Path p : exes) {
            if (!Files.isRegularFile(p)) throw new UserError(ExitCodes.BAD_INPUT, "--exe " + p + ": no such file");
        }
        AgentConfig.Sequence sequence;
        try {
            sequence = new AgentConfig.Sequence(true, exes, window, minCalls, stableCalls, tolerizeLimit, maxProfiles, maxPairEntries,
                    Duration.ofSeconds(saveEvery), pinDir).validated();
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        if (duration != null && duration < 1) throw new UserError(ExitCodes.USAGE, "--duration must be at least 1");
        if (saveEvery < 1) throw new UserError(ExitCodes.USAGE, "--save-every must be at least 1");
        if (cooldown < 0) throw new UserError(ExitCodes.USAGE, "--cooldown must be >= 0");
        metrics.check();
        if (profilesDir != null && Files.exists(profilesDir.resolve(ProfileStore.FILE))) ProfileStore.read(profilesDir.resolve(ProfileStore.FILE)); // a bad file fails here
        AgentConfig d = AgentConfig.defaults();
        AgentConfig cfg = new AgentConfig("", d.host(), profilesDir,
                sequence,
                AgentConfig.Profiles.off(),
                noContext ? List.of() : List.of("exec", "risky"), SensorSettings.defaults(),
                new AlertPipeline.Limits(Duration.ofSeconds(cooldown), 0, 0, 10_000),
                List.of(new AgentConfig.Stdout(json ? AlertOutput.Format.JSON : AlertOutput.Format.TEXT)), null, List.of());
        return AgentRun.run(cfg, metrics, "watch", duration == null ? null : Duration.ofSeconds(duration), false);
    }
}
