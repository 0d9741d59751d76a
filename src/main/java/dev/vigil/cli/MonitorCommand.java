package dev.vigil.cli;

import dev.vigil.alert.AlertJson;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertText;
import dev.vigil.alert.StreamOutput;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.WindowScorer;
import dev.vigil.eval.DetectorSpec;
import dev.vigil.follow.TraceRecording;
import dev.vigil.follow.WindowMonitor;
import dev.vigil.source.BothObservers;
import dev.vigil.source.Launcher;
import dev.vigil.source.LiveSource;
import dev.vigil.source.ProcessObserver;
import dev.vigil.source.ReplaySource;
import dev.vigil.store.DetectorFile;
import dev.vigil.syscall.SyscallTable;
import dev.vigil.trace.Trace;
import dev.vigil.trace.TraceDataset;
import dev.vigil.trace.TraceFolder;
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

    @Option(names = "--train", description = "Folder of normal traces (vigil record's files, or numbers in --arch), read recursively, to fit the detector on.")
    Path train;

    @Option(names = "--model", paramLabel = "FILE", description = "A detector saved with --save-model: loaded instead of fitted (its windows and threshold come with it).")
    Path model;

    @Option(names = "--save-model", paramLabel = "FILE", description = "Save the fitted detector, its windows and threshold to FILE (load it later with --model).")
    Path saveModel;

    @Option(names = "--arch", defaultValue = "host", description = "Architecture of numbers in the training traces (default: the host's).")
    String arch;

    @Option(names = "--detector", defaultValue = "stide", description = "NAME[:key=value,...] as in evaluate (default: ${DEFAULT-VALUE}).")
    String spec;

    @Option(names = "--window", description = "Calls per scored window (default: 200, or the model's).")
    Integer window;

    @Option(names = "--step", description = "Score a process's last window every this many calls (default: 100, or the model's).")
    Integer step;

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
        if ((train == null) == (model == null)) throw new UserError(ExitCodes.USAGE, "give exactly one of --train DIR (fit) or --model FILE (load)");
        if (model != null && saveModel != null) throw new UserError(ExitCodes.USAGE, "--save-model saves a detector fitted with --train");
        if (!(holdout > 0 && holdout < 1)) throw new UserError(ExitCodes.USAGE, "--holdout must be between 0 and 1");
        DetectorFile.Read saved = model == null ? null : DetectorFile.read(model);
        WindowScorer windows;
        SequenceDetector detector;
        try {
            if (saved != null) {
                DetectorFile.Header h = saved.header();
                if (!SyscallTable.hostArch().equals(h.syscallArch())) {
                    throw new UserError(ExitCodes.BAD_INPUT, model + ": fitted on " + h.syscallArch() + " system calls; this machine is " + SyscallTable.hostArch());
                }
                if (window != null && window != h.window() || step != null && step != h.step()) {
                    throw new UserError(ExitCodes.USAGE, model + " was calibrated on windows of " + h.window() + " every " + h.step() + "; --window and --step must match or be left out");
                }
                windows = new WindowScorer(h.window(), h.step());
                detector = DetectorSpec.create(h.spec(), h.seed());
            } else {
                windows = new WindowScorer(window == null ? 200 : window, step == null ? 100 : step);
                detector = DetectorSpec.create(spec, seed);
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        TraceFolder traces = record == null ? null : RecordCommand.folder(record, "--record");
        try (detector) {
            double t = saved != null ? load(detector, saved) : fit(detector, windows);
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
                    try (LiveSource live = LiveSource.start(target.follow(), target.ringBytes(), observer);
                         Launcher launched = launch == null ? null : launch.start()) {
                        if (rec != null) rec.source(live);
                        RecordCommand.serveLosses(served, live);
                        live.follow(target.target(), launched, observer, () -> stop,
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

    /** Restores a saved detector; returns the threshold (--threshold, else the file's). */
    private double load(SequenceDetector detector, DetectorFile.Read saved) {
        try {
            detector.load(new java.io.DataInputStream(new java.io.ByteArrayInputStream(saved.state())));
        } catch (IOException e) {
            throw new UserError(ExitCodes.BAD_INPUT, model + ": the detector's state does not load (" + e.getMessage() + ")");
        }
        DetectorFile.Header h = saved.header();
        System.err.printf(Locale.ROOT, "vigil: %s loaded from %s (fitted on %d traces, %,d calls of %s, %s); threshold %.4f%s%n", detector.name(), model,
                h.traces(), h.calls(), h.source(), h.created(), threshold != null ? threshold : h.threshold(), threshold != null ? " (given)" : "");
        return threshold != null ? threshold : h.threshold();
    }

    /** Fits the detector on the training traces and returns the threshold; saves it with --save-model. */
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
        double t;
        try {
            t = WindowMonitor.calibrate(detector, windows, traces, holdout, seed, threshold, System.err);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.BAD_INPUT, train + ": " + e.getMessage());
        }
        if (saveModel != null) {
            try {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                    detector.save(out);
                }
                DetectorFile.write(saveModel, new DetectorFile.Header(spec, detector.name(), seed, SyscallTable.hostArch(), windows.window(), windows.step(), t,
                        traces.size(), traces.stream().mapToLong(x -> x.calls().length).sum(), train.toAbsolutePath().toString(), java.time.Instant.now().toString()),
                        bytes.toByteArray());
            } catch (IOException e) {
                throw new UserError(ExitCodes.ERROR, "cannot write --save-model " + saveModel + ": " + e.getMessage());
            }
            System.err.println("vigil: saved the fitted detector to " + saveModel);
        }
        return t;
    }
}
