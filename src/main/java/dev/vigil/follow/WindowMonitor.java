package dev.vigil.follow;

import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.ProcessRef;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import dev.vigil.detect.WindowScorer;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.Procfs;
import dev.vigil.source.ProcessObserver;
import dev.vigil.syscall.SyscallTable;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * `vigil monitor`'s detection, live or replayed: a source's calls go into one window stream
 * per process (on the source's thread); full windows are scored by a fitted sequence
 * detector on one scoring thread, which sends an alert for a window above the threshold to
 * the output, unless its explanation is the anomaly the process's previous alert already
 * showed (overlapping windows see the same calls). Windows that find the scorer's queue
 * full are skipped and counted; with {@code lossless} (replay) the source waits instead.
 * The observer never throws into the source.
 */
public final class WindowMonitor implements ProcessObserver, AutoCloseable {
    private static final int BEFORE = 8, SHOWN = 24;

    /** What the scoring thread knows of a process. */
    private static final class Proc {
        final int pid;
        volatile String comm;
        volatile String exe;
        WindowScorer.Stream stream; // released when the process ends
        long calls;                 // its calls, once ended
        long windows, alerts, alertEnd = -1;
        double max = Double.NEGATIVE_INFINITY;
        volatile boolean ended;

        Proc(int pid, String comm, String exe, WindowScorer.Stream stream) {
            this.pid = pid;
            this.comm = comm;
            this.exe = exe;
            this.stream = stream;
        }

        long callsSoFar() { return stream == null ? calls : stream.calls(); }
    }

    private final SequenceDetector detector;
    private final WindowScorer windows;
    private final double threshold;
    private final AlertOutput out;
    private final ProcessDescriber describer = new ProcessDescriber(new ProcessContext());
    private final SyscallTable table = SyscallTable.host();
    private final Map<Integer, Proc> procs = new HashMap<>();
    private final List<Proc> order = new ArrayList<>();
    private final ThreadPoolExecutor scorer;
    private final AtomicLong skipped = new AtomicLong(), failures = new AtomicLong(), calls = new AtomicLong(), scored = new AtomicLong(), alerts = new AtomicLong();
    private int launchedPid = -1;
    private boolean launchedExeced;
    private volatile int live;

    public WindowMonitor(SequenceDetector detector, WindowScorer windows, double threshold, AlertOutput out, boolean lossless) {
        this.detector = detector;
        this.windows = windows;
        this.threshold = threshold;
        this.out = out;
        this.scorer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096),
                r -> Thread.ofPlatform().name("vigil-score").daemon().unstarted(r),
                lossless ? new ThreadPoolExecutor.CallerRunsPolicy() : (r, ex) -> skipped.incrementAndGet());
    }

    @Override
    public void attach(int tgid, int parent, String comm, String exe, boolean named) {
        track(tgid, comm, exe);
    }

    @Override
    public void launched(int pid, String name) {
        launchedPid = pid;
        track(pid, name, ""); // its exec names the executable
    }

    /** Starts watching a process (a root or one found later; a pid reused after an end is a new process). */
    private Proc track(int pid, String comm, String exe) {
        Proc old = procs.get(pid);
        if (old != null && !old.ended) return old;
        Proc p = new Proc(pid, comm, exe, windows.stream());
        procs.put(pid, p);
        order.add(p);
        live++;
        return p;
    }

    @Override
    public boolean allDone() { return live == 0; }

    @Override
    public boolean execSeen(int pid) { return pid == launchedPid && launchedExeced; }

    @Override
    public void call(int tgid, int tid, int nr) {
        Proc p = procs.get(tgid);
        if (p == null) p = track(tgid, Procfs.comm(tgid), Procfs.exe(tgid));
        if (p.ended) return; // a late call of another thread after the process's exit
        calls.incrementAndGet();
        WindowScorer.Window w = p.stream.add(nr);
        if (w != null) submit(p, w);
    }

    @Override
    public void fork(int parent, int child, String comm) {
        Proc par = procs.get(parent);
        track(child, comm, par != null ? par.exe : Procfs.exe(child)); // a fork runs its parent's executable
    }

    @Override
    public void exec(int tgid, String comm, String file) {
        if (tgid == launchedPid) launchedExeced = true;
        Proc p = procs.get(tgid);
        if (p == null || p.ended) p = track(tgid, comm, file);
        p.comm = comm;
        p.exe = file;
    }

    @Override
    public void exit(int tgid, int status) {
        Proc p = procs.get(tgid);
        if (p == null || p.ended) return;
        end(p);
    }

    /** Ends every process still watched (monitoring stops): their tails are scored. */
    public void endAll() {
        for (Proc p : order) if (!p.ended) end(p);
    }

    /** Ends processes that vanished without an exit event. */
    @Override
    public void periodic() {
        for (Proc p : order) if (!p.ended && !Procfs.alive(p.pid)) end(p);
    }

    private void end(Proc p) {
        p.ended = true;
        live--;
        WindowScorer.Window w = p.stream.finish();
        p.calls = p.stream.calls();
        p.stream = null; // the window buffer is not needed any more
        if (w != null) submit(p, w);
    }

    private void submit(Proc p, WindowScorer.Window w) {
        String comm = p.comm, exe = p.exe;
        scorer.execute(() -> {
            try {
                score(p, comm, exe, w);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
            }
        });
    }

    private void score(Proc p, String comm, String exe, WindowScorer.Window w) {
        SequenceScore s = detector.score(w.calls());
        p.windows++;
        scored.incrementAndGet();
        p.max = Math.max(p.max, s.score());
        if (!(s.score() > threshold)) return;
        int at = Math.min(s.at(), w.calls().length - 1), len = Math.max(1, Math.min(s.length(), w.calls().length - at));
        if (s.length() == 0) { // no explanation: the window's last calls
            len = Math.min(SHOWN, w.calls().length);
            at = w.calls().length - len;
        }
        long start = w.start() + at;
        if (start < p.alertEnd) return; // the anomaly the previous alert showed, seen again by an overlapping window
        p.alertEnd = start + len;
        p.alerts++;
        alerts.incrementAndGet();
        List<String> calls = names(w.calls(), at, Math.min(len, SHOWN));
        List<String> before = names(w.calls(), Math.max(0, at - BEFORE), at - Math.max(0, at - BEFORE));
        emit(Instant.now(), p.pid, comm, exe, s.score(), start, calls, before);
    }

    private List<String> names(int[] calls, int from, int n) {
        return Arrays.stream(calls, from, from + n).mapToObj(table::name).toList();
    }

    private void emit(Instant time, int pid, String comm, String exe, double score, long index, List<String> calls, List<String> before) {
        ProcessRef p = describer.describe(pid, pid, comm, exe);
        out.send(WindowAlerts.toAlert(time, detector.name(), p, describer.ancestry(p.ppid()), score, threshold, index, calls, before));
    }

    /**
     * Fits the detector on the training traces and returns the threshold: the given one,
     * else the largest score of any window of a held-out share of the traces (seeded;
     * evilsocket's rule). Says what it did on log. Too few traces: IllegalArgumentException.
     */
    public static double calibrate(SequenceDetector detector, WindowScorer windows, List<dev.vigil.trace.Trace> traces, double holdout, long seed,
                                   Double threshold, PrintStream log) {
        List<int[]> calls = new ArrayList<>(traces.stream().map(dev.vigil.trace.Trace::calls).filter(c -> c.length > 0).toList());
        if (threshold != null) {
            if (calls.isEmpty()) throw new IllegalArgumentException("no system calls in any trace");
            detector.fit(calls);
            log.printf(Locale.ROOT, "vigil: %s fitted on %d traces; threshold %.4f (given)%n", detector.name(), calls.size(), threshold);
            return threshold;
        }
        if (calls.size() < 2) throw new IllegalArgumentException("needs at least 2 non-empty traces (one is held out to set the threshold), found " + calls.size());
        java.util.Collections.shuffle(calls, new java.util.Random(seed));
        int held = Math.max(1, (int) Math.round(calls.size() * holdout));
        List<int[]> heldOut = calls.subList(0, held), fitOn = calls.subList(held, calls.size());
        detector.fit(fitOn);
        double t = windows.heldOutMax(detector, heldOut);
        log.printf(Locale.ROOT, "vigil: %s fitted on %d traces; threshold %.4f = the largest score of the windows of %d held-out traces%n",
                detector.name(), fitOn.size(), t, heldOut.size());
        return t;
    }

    /** Waits for the scoring thread to finish what was submitted (at most 60 s). */
    @Override
    public void close() {
        scorer.shutdown();
        try {
            scorer.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Serves the monitoring counters (read on the metrics server's thread). */
    public void register(dev.vigil.alert.Metrics m) {
        m.counter("vigil_monitor_calls", "System calls of followed processes received from the kernel", calls::get)
                .counter("vigil_monitor_windows_scored", "Windows scored by the detector", scored::get)
                .counter("vigil_monitor_windows_skipped", "Windows not scored because the detector fell behind", skipped::get)
                .counter("vigil_alerts", "Alerts raised", alerts::get)
                .gauge("vigil_monitor_processes", "Processes followed now", () -> live)
                .gauge("vigil_threshold", "The alert threshold", () -> threshold);
    }

    public void summary(PrintStream err) {
        long alerts = order.stream().mapToLong(p -> p.alerts).sum();
        err.printf(Locale.ROOT, "vigil: %d process%s watched, %d alert%s (threshold %.4f, %s, windows of %d calls every %d)%n", order.size(),
                order.size() == 1 ? "" : "es", alerts, alerts == 1 ? "" : "s", threshold, detector.name(), windows.window(), windows.step());
        err.printf("  %-8s %-16s %12s %8s %7s %10s%n", "PID", "COMM", "CALLS", "WINDOWS", "ALERTS", "MAX SCORE");
        int shown = 0;
        for (Proc p : order) {
            if (++shown > 40) {
                err.printf("  ... and %d more%n", order.size() - 40);
                break;
            }
            err.printf(Locale.ROOT, "  %-8d %-16s %12d %8d %7d %10s%n", p.pid, p.comm, p.callsSoFar(), p.windows, p.alerts,
                    p.windows == 0 ? "-" : String.format(Locale.ROOT, "%.4f", p.max));
        }
        if (skipped.get() > 0) err.printf("vigil: %d windows were not scored (the detector fell behind)%n", skipped.get());
        if (failures.get() > 0) err.printf("vigil: %d windows failed to score (a bug; rerun with --verbose)%n", failures.get());
    }
}
