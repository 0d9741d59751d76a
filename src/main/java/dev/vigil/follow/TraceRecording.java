package dev.vigil.follow;

import dev.vigil.event.KernelEvent;
import dev.vigil.host.Procfs;
import dev.vigil.sensor.SyscallRecorder;
import dev.vigil.source.LiveSource;
import dev.vigil.source.ProcessObserver;
import dev.vigil.trace.TraceFolder;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The bookkeeping of `vigil record` (and `monitor --record`): turns a source's events into
 * per-process trace files and knows which recorded processes are still alive. Runs on the
 * source's thread.
 * Exceptions never escape into the ring-buffer callback: the first is kept and rethrown by
 * {@link #failIfBroken()} on the command's loop.
 */
public final class TraceRecording implements ProcessObserver {
    private static final int SUMMARY_ROWS = 40;
    private final TraceFolder traces;
    private final Set<Integer> live = new HashSet<>();
    private SyscallRecorder recorder;
    private int launchedPid = -1;
    private boolean launchedExeced;
    private RuntimeException broken;
    private long late;
    private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong(), finished = new java.util.concurrent.atomic.AtomicLong();

    public TraceRecording(TraceFolder traces) {
        this.traces = traces;
    }

    /** The live recorder (its per-process loss counts go into the traces' trailers). */
    public void recorder(SyscallRecorder r) { recorder = r; }

    /** The live source whose recorder this recording drains and reads losses from. */
    public void source(dev.vigil.source.LiveSource live) { recorder = live.recorder(); }

    @Override
    public void attach(int tgid, int parent, String comm, String exe, boolean named) {
        if (traces.isOpen(tgid)) return;
        traces.begin(tgid, parent, comm, named ? "attached" : "attached below a followed process");
        live.add(tgid);
    }

    @Override
    public void launched(int pid, String name) {
        launchedPid = pid;
        traces.begin(pid, (int) ProcessHandle.current().pid(), name, "started by vigil record");
        live.add(pid);
    }

    /** Per process, the probed functions its last call was made in (record --probes), and where that was said in its trace. */
    private final java.util.Map<Integer, String> lastIn = new java.util.HashMap<>();
    /** Per innermost probed function, its calls by system call number (record --probes); bounded. */
    private final java.util.Map<String, java.util.Map<Integer, Long>> byFunction = new java.util.LinkedHashMap<>();
    private static final int FUNCTIONS_MAX = 10_000;

    @Override
    public void call(int tgid, int tid, int nr) {
        record(tgid, tid, nr, lastIn.isEmpty() ? null : List.of());
    }

    /**
     * A call made inside probed functions: when they differ from those of the process's previous call, a comment line
     * says where the calls that follow were made ({@code # in inner <- middle <- outer}, with the thread when it is
     * not the main one; {@code # in no probed function} once they have all returned).
     */
    @Override
    public void call(int tgid, int tid, int nr, List<String> in) {
        record(tgid, tid, nr, in);
        if (traces.isOpen(tgid) && !in.isEmpty()) {
            var m = byFunction.get(in.getFirst());
            if (m == null && byFunction.size() < FUNCTIONS_MAX) byFunction.put(in.getFirst(), m = new java.util.TreeMap<>());
            if (m != null) m.merge(nr, 1L, Long::sum);
        }
    }

    private void inFunctions(int tgid, int tid, List<String> in) {
        String where = in.isEmpty() ? "" : String.join(" <- ", in) + (tid != tgid ? " (thread " + tid + ")" : "");
        String before = lastIn.get(tgid);
        if (where.equals(before == null ? "" : before)) return;
        if (where.isEmpty()) lastIn.remove(tgid);
        else lastIn.put(tgid, where);
        traces.note(tgid, where.isEmpty() ? "in no probed function" : "in " + where, null);
    }

    /** Writes a call into its process's trace (begun at this call if need be), after where says in which functions when it must. */
    private void record(int tgid, int tid, int nr, List<String> in) {
        try {
            if (!traces.isOpen(tgid)) {
                if (traces.hasEnded(tgid)) {
                    late++;
                    return;
                }
                traces.begin(tgid, LiveSource.parent(tgid), Procfs.comm(tgid), "first seen at a call");
                live.add(tgid);
            }
            if (in != null) inFunctions(tgid, tid, in);
            traces.call(tgid, nr);
            calls.incrementAndGet();
        } catch (RuntimeException e) {
            if (broken == null) broken = e;
        }
    }

    @Override
    public void fork(int parent, int child, String comm) {
        try {
            traces.note(parent, "fork " + child, null); // where in the parent's calls the child began (replay starts it there)
            traces.begin(child, parent, comm, "forked by " + parent);
            live.add(child);
        } catch (RuntimeException e) {
            if (broken == null) broken = e;
        }
    }

    @Override
    public void exec(int tgid, String comm, String file) {
        try {
            if (!traces.isOpen(tgid)) {
                traces.begin(tgid, LiveSource.parent(tgid), comm, "first seen at an exec");
                live.add(tgid);
            }
            traces.note(tgid, "exec " + file, comm);
            if (tgid == launchedPid) launchedExeced = true;
        } catch (RuntimeException e) {
            if (broken == null) broken = e;
        }
    }

    @Override
    public void exit(int tgid, int status) {
        try {
            finish(tgid, describe(status));
        } catch (RuntimeException e) {
            if (broken == null) broken = e;
        }
    }

    private void finish(int tgid, String end) {
        lastIn.remove(tgid);
        traces.finish(tgid, end, recorder == null ? 0 : recorder.lost(tgid));
        live.remove(tgid);
        finished.incrementAndGet();
    }

    /** A wait(2) status in words. */
    public static String describe(int status) {
        int sig = KernelEvent.Exit.signal(status);
        return sig == 0 ? "exited with code " + KernelEvent.Exit.code(status) : "killed by signal " + sig + ((status & 0x80) != 0 ? " (core dumped)" : "");
    }

    /** Rethrows the first failure of the listener (a trace file that cannot be written). */
    @Override
    public void failIfBroken() {
        if (broken != null) throw broken;
    }

    @Override
    public boolean execSeen(int pid) { return pid == launchedPid && launchedExeced; }

    /** Flushes the files and ends the traces of processes that are gone although their exit was not seen. */
    @Override
    public void periodic() {
        traces.flush();
        List<Integer> gone = traces.openPids().stream().filter(p -> p != launchedPid || launchedExeced).filter(p -> !Procfs.alive(p)).toList();
        if (gone.isEmpty()) return;
        if (recorder != null) while (recorder.poll(0) > 0) failIfBroken();
        for (int p : gone) {
            if (traces.isOpen(p)) finish(p, "gone (its exit was not seen)");
        }
    }

    @Override
    public boolean allDone() { return live.isEmpty(); }

    /** Ends every trace still open (the recording stopped first). */
    public void finishAll(String end) {
        for (int p : traces.openPids()) finish(p, end);
    }

    /** Serves the recording counters (read on the metrics server's thread). */
    public void register(dev.vigil.alert.Metrics m) {
        m.counter("vigil_record_calls", "System calls written to trace files", calls::get)
                .counter("vigil_record_traces", "Trace files finished", finished::get);
    }

    /** What was recorded, on err: a line, a row per trace file (the first ones), and what was not followed. */
    public void summary(PrintStream err) {
        List<TraceFolder.Written> w = traces.written();
        long lost = w.stream().mapToLong(TraceFolder.Written::lost).sum();
        err.printf("vigil: recorded %d process%s, %,d calls%s, into %s%n", w.size(), w.size() == 1 ? "" : "es", calls.get(),
                lost > 0 ? ", " + lost + " lost to a full ring buffer (raise --ring-mb)" : ", none lost", traces.dir());
        err.printf("  %-8s %-16s %12s %8s  %-34s %s%n", "PID", "COMM", "CALLS", "LOST", "END", "FILE");
        int shown = 0;
        for (TraceFolder.Written t : w) {
            if (++shown > SUMMARY_ROWS) {
                err.printf("  ... and %d more (their files are in %s)%n", w.size() - SUMMARY_ROWS, traces.dir());
                break;
            }
            err.printf("  %-8d %-16s %12d %8d  %-34s %s%n", t.pid(), t.comm(), t.calls(), t.lost(), t.end(), t.file());
        }
        if (recorder != null && recorder.notFollowed() > 0) {
            err.printf("vigil: %d new processes were not followed (too many recorded at once)%n", recorder.notFollowed());
        }
        if (late > 0) err.printf("vigil: %d calls came after their process's exit (other threads) and are not in its trace%n", late);
        functionSummary(err);
    }

    /** record --probes: the calls made in each innermost probed function, the most first, with their commonest system calls. */
    private void functionSummary(PrintStream err) {
        if (byFunction.isEmpty()) return;
        dev.vigil.syscall.SyscallTable table = dev.vigil.syscall.SyscallTable.host();
        var rows = byFunction.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue().values().stream().mapToLong(Long::longValue).sum()))
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).toList();
        err.printf("vigil: system calls made in probed functions (the innermost one), %d function%s:%n", rows.size(), rows.size() == 1 ? "" : "s");
        err.printf("  %-40s %10s  %s%n", "FUNCTION", "CALLS", "SYSTEM CALLS");
        int shown = 0;
        for (var r : rows) {
            if (++shown > SUMMARY_ROWS) {
                err.printf("  ... and %d more%n", rows.size() - SUMMARY_ROWS);
                break;
            }
            var calls = byFunction.get(r.getKey()).entrySet().stream().sorted(java.util.Map.Entry.<Integer, Long>comparingByValue().reversed())
                    .limit(6).map(c -> table.name(c.getKey()) + " " + c.getValue()).toList();
            int more = byFunction.get(r.getKey()).size() - calls.size();
            err.printf("  %-40s %10d  %s%s%n", r.getKey(), r.getValue(), String.join(", ", calls), more > 0 ? ", +" + more + " more" : "");
        }
    }

    /** record --probes: per innermost probed function, its calls by system-call number (a copy). */
    public java.util.Map<String, java.util.Map<Integer, Long>> callsByFunction() {
        java.util.Map<String, java.util.Map<Integer, Long>> m = new java.util.LinkedHashMap<>();
        byFunction.forEach((k, v) -> m.put(k, java.util.Map.copyOf(v)));
        return m;
    }
}
