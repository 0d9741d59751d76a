package dev.vigil.cli;

import dev.vigil.follow.HistogramSampler;
import picocli.CommandLine.Option;

/** The options learn and run share: which process, how often, warm-up, how many samples. */
final class SamplingOptions {
    @Option(names = "--pid", description = "Process to watch (all its threads).")
    Long pid;

    @Option(names = "--time", defaultValue = "100", description = "Sampling period in ms (default: ${DEFAULT-VALUE}).")
    long timeMs;

    @Option(names = "--warmup", defaultValue = "" + HistogramSampler.DEFAULT_WARMUP_MS,
            description = "Samples in the first ms after attach are dropped; use the same value in learn and run (default: ${DEFAULT-VALUE}).")
    long warmupMs;

    @Option(names = "--samples", defaultValue = "0", description = "Stop after this many samples (default: until Ctrl-C).")
    long maxSamples;

    /** The --pid given (a usage error when missing). */
    long pid() {
        if (pid == null) throw new UserError(ExitCodes.USAGE, "missing --pid PID (the process to watch)");
        return pid;
    }

    void validate() {
        if (timeMs < 1) throw new UserError(ExitCodes.USAGE, "--time must be at least 1 ms");
        if (warmupMs < 0) throw new UserError(ExitCodes.USAGE, "--warmup must be at least 0 ms");
        if (maxSamples < 0) throw new UserError(ExitCodes.USAGE, "--samples must be at least 0");
    }
}
