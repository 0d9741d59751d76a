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
                "  vigil record --pid $(pgrep -o nginx) --out data/normal --duration 60",
                "With --probes FILE (its probes: list, docs/probes.md), the calls made inside the",
                "functions of entry/return probes are marked in the traces (# in inner <- outer).",
                "  vigil record --probes probes.yaml --out data/py -- /usr/bin/python3.11 app.py"})
final class RecordCommand implements Callable<Integer> {
    @Mixin TargetOptions target;
    @Mixin MetricsOption metrics;

    @Option(names = "--out", defaultValue = "vigil-traces", description = "Folder for the trace files (created; existing files are kept) (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--probes", paramLabel = "FILE", description = "A file with a probes: list (a trace config or vigil.yaml): each call made inside the functions of its entry/return probes is marked in the traces with them.")
    Path probesFile;

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        Launcher.Prepared launch = target.validate();
        metrics.check();
        java.util.List<dev.vigil.event.ProbeSpec> probes = probesFile == null ? java.util.List.of() : probes(probesFile);
        TraceFolder traces = folder(out, "--out");
        Privileges.require("record");
        TraceRecording rec = new TraceRecording(traces);
        try (ShutdownGuard guard = new ShutdownGuard();
             dev.vigil.alert.Metrics served = metrics.open("record");
             LiveSource live = probes.isEmpty() ? LiveSource.start(target.follow(), target.ringBytes(), rec) : startProbed(probes, rec);
             Launcher launched = launch == null ? null : launch.start()) {
            guard.onStop(() -> stop = true);
            rec.source(live);
            rec.register(served);
            serveLosses(served, live);
            live.follow(target.target(), launched, rec, () -> stop, roots -> "vigil: recording " + roots + " into " + out + " ...");
            rec.finishAll("recording stopped while the process ran");
            rec.summary(System.err);
            if (!probes.isEmpty()) {
                System.err.printf("vigil: probes: %s%n", live.probeCounts());
                long u = live.uretprobeCalls();
                if (u > 0) System.err.printf("vigil: %,d calls of the kernel's uretprobe trampoline (probed functions returning) are not the program's and are left out%n", u);
            }
            if (launched != null && launched.isAlive()) {
                System.err.printf("vigil: %s (pid %d) is still running; it is no longer recorded%n", launched.name(), launched.pid());
                launched.detach();
            }
        } catch (UncheckedIOException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        }
        return ExitCodes.OK;
    }

    /** The probes of --probes FILE: one line per error. */
    private static java.util.List<dev.vigil.event.ProbeSpec> probes(Path file) {
        try {
            java.util.List<dev.vigil.event.ProbeSpec> p = dev.vigil.config.ProbesConfig.load(file);
            if (p.stream().noneMatch(x -> x.ret() != null && x.entry() != null)) {
                System.err.println("vigil: note: no probe in " + file + " has an entry and a return (return:), so no call is placed in a function");
            }
            return p;
        } catch (dev.vigil.config.ConfigException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
    }

    private LiveSource startProbed(java.util.List<dev.vigil.event.ProbeSpec> probes, TraceRecording rec) {
        try {
            LiveSource s = LiveSource.start(target.follow(), target.ringBytes(), rec, probes);
            System.err.printf("vigil: probes attached: %s%n", String.join("; ", probes.stream().map(p -> p.name() + " (" + p.describe() + ")").toList()));
            return s;
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
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
