package dev.vigil.cli;

import dev.vigil.demo.AutoencoderDemo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on a built-in default: learn a workload's normal behaviour, train, then
 * watch it behave normally and then anomalously, and summarise.
 */
@Command(name = "demo-autoencoder", mixinStandardHelpOptions = true,
        description = {"Learn, train and detect on a built-in workload (the main job, no setup).",
                "Starts a workload, learns its normal behaviour, trains the autoencoder, then watches it",
                "behave normally and then spawn a shell, read /etc/passwd and open sockets."})
final class AutoencoderDemoCommand implements Callable<Integer> {
    @Option(names = "--learn-seconds", defaultValue = "20", description = "Learning time (default: ${DEFAULT-VALUE}).")
    int learnSeconds;

    @Option(names = "--watch-seconds", defaultValue = "10", description = "Watching time per phase (default: ${DEFAULT-VALUE}).")
    int watchSeconds;

    @Option(names = "--epochs", defaultValue = "200", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--time", defaultValue = "100", description = "Sampling period in ms (default: ${DEFAULT-VALUE}).")
    long timeMs;

    @Option(names = "--dir", description = "Where to keep the activity CSV and model (default: a new temporary directory).")
    Path dir;

    @Option(names = "--json", description = "Alerts as JSON lines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Privileges.require("demo-autoencoder");
        if (dir == null) dir = Files.createTempDirectory("vigil-demo-");
        var outcome = AutoencoderDemo.run(new AutoencoderDemo.Settings(learnSeconds, watchSeconds, epochs, timeMs, dir, json), stop -> {
            ShutdownGuard g = new ShutdownGuard();
            g.onStop(stop);
            return g;
        });
        return switch (outcome) {
            case DETECTED -> ExitCodes.OK;
            case MISSED -> ExitCodes.CHECK_FAILED;
            case INTERRUPTED -> throw new UserError(ExitCodes.OK, "demo interrupted");
        };
    }
}
