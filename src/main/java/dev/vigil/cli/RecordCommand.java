package dev.vigil.cli;

import dev.vigil.collect.SyscallRecorder;
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
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError(ExitCodes.USAGE, "--out " + out + " is a file, not a folder");
        Privileges.require("record");
        TraceFolder traces;
        try {
            traces = new TraceFolder(out);
        } catch (IOException e) {
            throw new UserError(ExitCodes.USAGE, "cannot create --out " + out + ": " + e.getMessage());
        }
        Recording rec = new Recording(traces);
        try (ShutdownGuard guard = new ShutdownGuard();
             dev.vigil.alert.Metrics served = metrics.open("record");
             SyscallRecorder recorder = SyscallRecorder.start(target.follow(), target.ringBytes(), rec);
             Launcher launched = launch == null ? null : launch.start()) {
            guard.onStop(() -> stop = true);
            rec.recorder = recorder;
            rec.register(served);
            Follower.follow(recorder, target, launched, rec, served, () -> stop, roots -> "vigil: recording " + roots + " into " + out + " ...");
            rec.finishAll("recording stopped while the process ran");
            rec.summary(System.err, recorder);
            if (launched != null && launched.isAlive()) {
                System.err.printf("vigil: %s (pid %d) is still running; it is no longer recorded%n", launched.name(), launched.pid());
                launched.detach();
            }
        } catch (UncheckedIOException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        }
        return ExitCodes.OK;
    }
}
