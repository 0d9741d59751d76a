package dev.vigil.cli;

import dev.vigil.agent.TraceRecording;
import dev.vigil.agent.WindowMonitor;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertText;
import dev.vigil.alert.StreamOutput;
import dev.vigil.collect.SyscallRecorder;
import dev.vigil.source.BothObservers;
import dev.vigil.source.Launcher;
import dev.vigil.source.LiveSource;
import dev.vigil.source.ProcessObserver;
import dev.vigil.source.ReplaySource;
import dev.vigil.trace.TraceFolder;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.WindowScorer;
import dev.vigil.eval.DetectorSpec;
import dev.vigil.trace.SyscallTable;
import dev.vigil.trace.Trace;
import dev.vigil.trace.TraceDataset;
import dev.vigil.trace.TraceFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = {"Watch processes live with a sequence detector of `evaluate`, fitted on recorded",
                "normal traces: every --step calls, the last --window calls of each process are",
                "scored; a window above the threshold is an alert naming the calls that explain",
                "it. The threshold is the largest score of the windows of held-out training",
                "traces (evilsocket's rule) unless --threshold is given.",
                "  vigil record --out normal -- ./my-server --selftest        (a few times)",
                "  vigil monitor --train normal --detector ngram-lm -- ./my-server --selftest",
                "  vigil monitor --train normal --pid $(pgrep -o my-server) --json"})
final class MonitorCommand implements Callable<Integer> {
    @Mixin TargetOptions target;
    @Mixin MetricsOption metrics;

    @Option(names = "--train", required = true, description = "Folder of normal traces (vigil record's files, or numbers in --arch), read recursively.")
    Path train;

    @Option(names = "--arch", defaultValue = "host", description = "Architecture of numbers in the training traces (default: the host's).")
    String arch;

    @Option(names = "--detector", defaultValue = "stide", description = "NAME[:key=value,...] as in evaluate (default: ${DEFAULT-VALUE}).")
    String spec;

    @Option(names = "--window", defaultValue = "200", description = "Calls per scored window (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--step", defaultValue = "100", description = "Score a process's last window every this many calls (default: ${DEFAULT-VALUE}).")
    int step;

    @Option(names = "--threshold", description = "Alert above this score (default: the largest held-out window score).")
    Double threshold;

    @Option(names = "--holdout", defaultValue = "0.1", description = "Fraction of the training traces held out to set the threshold (default: ${DEFAULT-VALUE}).")
    double holdout;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the hold-out split and the detector (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "One JSON object per alert line.")
    boolean json;

    @Option(names = "--replay", paramLabel = "DIR", description = "Replay a folder of vigil record traces instead of following live processes (no privileges needed).")
    Path replay;

    @Option(names = "--record", paramLabel = "DIR", description = "Also write the followed processes' traces into DIR, as vigil record does (replay them later with --replay).")
    Path record;

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (replay != null && (!target.pids.isEmpty() || !target.command.isEmpty())) {
            throw new UserError(ExitCodes.USAGE, "--replay replays a recording: give no --pid or command with it");
        }
        if (replay != null && record != null) throw new UserError(ExitCodes.USAGE, "--record records live processes; it cannot be used with --replay");
        Launcher.Prepared launch = replay == null ? target.validate() : null;
        metrics.check();
        WindowScorer windows;
        SequenceDetector detector;
        try {
            windows = new WindowScorer(window, step);
            detector = DetectorSpec.create(spec, seed);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        if (!(holdout > 0 && holdout < 1)) throw new UserError(ExitCodes.USAGE, "--holdout must be between 0 and 1");
        TraceFolder traces = record == null ? null : RecordCommand.folder(record, "--record");
        try (detector) {
            double t = fit(detector, windows);
            if (replay == null) Privileges.require("monitor");
            AlertOutput out = new StreamOutput("stdout", System.out, json ? AlertJson::line : AlertText::line);
            try (ShutdownGuard guard = new ShutdownGuard();
                 dev.vigil.alert.Metrics served = metrics.open("monitor");
                 WindowMonitor mon = new WindowMonitor(detector, windows, t, out, replay != null)) {
                guard.onStop(() -> stop = true);
                mon.register(served);
                if (replay != null) {
                    ReplaySource.Summary s = ReplaySource.replay(replay, mon);
                    System.err.printf(Locale.ROOT, "vigil: replayed %d process%s, %,d calls from %s with %s, threshold %.4f%n", s.processes(), s.processes() == 1 ? "" : "es", s.calls(),
                            replay, detector.name(), t);
                } else {
                    TraceRecording rec = traces == null ? null : new TraceRecording(traces);
                    ProcessObserver observer = rec == null ? mon : new BothObservers(mon, rec);
                    try (SyscallRecorder recorder = SyscallRecorder.start(target.follow(), target.ringBytes(), observer);
                         Launcher launched = launch == null ? null : launch.start()) {
                        if (rec != null) rec.recorder(recorder);
                        RecordCommand.serveLosses(served, recorder);
                        LiveSource.follow(recorder, target.target(), launched, observer, () -> stop,
                                roots -> String.format(Locale.ROOT, "vigil: monitoring %s with %s, threshold %.4f ...", roots, detector.name(), t));
                        if (rec != null) rec.finishAll("recording stopped while the process ran");
                        if (launched != null && launched.isAlive()) launched.detach();
                    }
                }
                mon.endAll();
                mon.close();
                mon.summary(System.err);
            }
        }
        return ExitCodes.OK;
    }

    /** Fits the detector on the training traces and returns the threshold. */
    private double fit(SequenceDetector detector, WindowScorer windows) {
        List<Trace> traces;
        try {
            traces = TraceDataset.readFolder(train, "host".equals(arch) ? SyscallTable.hostArch() : arch);
        } catch (TraceFormat.FormatException e) {
            throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
        } catch (IOException e) {
            throw new UserError(ExitCodes.BAD_INPUT, train + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        try {
            return WindowMonitor.calibrate(detector, windows, traces, holdout, seed, threshold, System.err);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.BAD_INPUT, train + ": " + e.getMessage());
        }
    }
}
