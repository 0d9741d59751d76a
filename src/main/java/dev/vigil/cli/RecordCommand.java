package dev.vigil.cli;

import dev.vigil.follow.TraceRecording;
import dev.vigil.source.Launcher;
import dev.vigil.source.LiveSource;
import dev.vigil.trace.TraceFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Record every system call of processes, in order, into trace files, one per",
                "process, that `evaluate --dataset folders` and `monitor --train` read.",
                "Follows the processes they fork; stops when all have exited, at Ctrl-C or",
                "after --duration. vigil's own messages go to stderr.",
                "  vigil record --out data/train -- curl -s http://localhost/",
                "  vigil record --pid $(pgrep -o nginx) --out data/normal --duration 60"})
final class RecordCommand implements Callable<Integer> {
    @Mixin TargetOptions target;
    @Mixin MetricsOption metrics;

    @Option(names = "--out", defaultValue = "vigil-traces", description = "Folder for the trace files (created; existing files are kept) (default: ${DEFAULT-VALUE}).")
    Path out;

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        Launcher.Prepared launch = target.validate();
        metrics.check();
        TraceFolder traces = folder(out, "--out");
        Privileges.require("record");
        TraceRecording rec = new TraceRecording(traces);
        try (ShutdownGuard guard = new ShutdownGuard();
             dev.vigil.alert.Metrics served = metrics.open("record");
             LiveSource live = LiveSource.start(target.follow(), target.ringBytes(), rec);
             Launcher launched = launch == null ? null : launch.start()) {
            guard.onStop(() -> stop = true);
            rec.source(live);
            rec.register(served);
            serveLosses(served, live);
            live.follow(target.target(), launched, rec, () -> stop, roots -> "vigil: recording " + roots + " into " + out + " ...");
            rec.finishAll("recording stopped while the process ran");
            rec.summary(System.err);
            if (launched != null && launched.isAlive()) {
                System.err.printf("vigil: %s (pid %d) is still running; it is no longer recorded%n", launched.name(), launched.pid());
                launched.detach();
            }
        } catch (UncheckedIOException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        }
        return ExitCodes.OK;
    }

    /** The trace folder of --out or --record: created; a file there is a usage error. */
    static TraceFolder folder(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserError(ExitCodes.USAGE, option + " " + dir + " is a file, not a folder");
        try {
            return new TraceFolder(dir);
        } catch (IOException e) {
            throw new UserError(ExitCodes.USAGE, "cannot create " + option + " " + dir + ": " + e.getMessage());
        }
    }

    /** Serves the recorder's loss counters. */
    static void serveLosses(dev.vigil.alert.Metrics m, LiveSource live) {
        m.counter("vigil_calls_lost", "Calls lost in the kernel (ring buffer full)", live::lostTotal)
                .counter("vigil_processes_not_followed", "New processes not followed (too many at once)", live::notFollowed);
    }
}
