package dev.vigil.source;

import dev.vigil.host.Procfs;
import dev.vigil.sensor.SyscallRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * The live source: the recorder's calls, forks, execs and exits of the followed processes
 * (record.bpf.c), handed to an observer on the polling thread. {@link #follow} is the one
 * start and main loop of record and monitor. One owner, one polling thread; close
 * detaches the recorder.
 */
public final class LiveSource implements AutoCloseable {
    private final SyscallRecorder recorder;
    private final dev.vigil.sensor.ProbeSensor probes;

    private LiveSource(SyscallRecorder recorder) { this(recorder, null); }

    private LiveSource(SyscallRecorder recorder, dev.vigil.sensor.ProbeSensor probes) {
        this.recorder = recorder;
        this.probes = probes;
    }

    /**
     * Loads and attaches the recorder (record.bpf.c) with a ring of ringBytes (a power of two),
     * following the forks of followed processes when follow is set, its events to observer.
     */
    public static LiveSource start(boolean follow, int ringBytes, ProcessObserver observer) {
        return new LiveSource(SyscallRecorder.start(follow, ringBytes, observer));
    }

    /**
     * {@link #start(boolean, int, ProcessObserver)} with custom probes, loaded and attached first: calls come with the
     * probed functions they were made in. A bad probe is an IllegalArgumentException naming it.
     */
    public static LiveSource start(boolean follow, int ringBytes, ProcessObserver observer, List<dev.vigil.event.ProbeSpec> probes) {
        dev.vigil.sensor.ProbeSensor p = dev.vigil.sensor.Sensor.start(new dev.vigil.sensor.ProbeSensor(probes), dev.vigil.event.SensorSettings.defaults());
        try {
            return new LiveSource(SyscallRecorder.start(follow, ringBytes, observer, p), p);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** The custom probes' counters (per probe hits, filtered, sent, lost), in words; "" without probes. */
    public String probeCounts() {
        if (probes == null) return "";
        return String.join(", ", probes.counts().entrySet().stream().map(e -> String.format(java.util.Locale.ROOT, "%,d %s", e.getValue(), e.getKey())).toList());
    }

    /** {@link #follow(SyscallRecorder, Target, Launcher, ProcessObserver, BooleanSupplier, UnaryOperator)} with this source's recorder. */
    public void follow(Target target, Launcher launched, ProcessObserver f, BooleanSupplier stop, UnaryOperator<String> banner) {
        follow(recorder, target, launched, f, stop, banner);
    }

    /** Calls of the kernel's uretprobe trampoline left out of the traces (probed functions returning). */
    public long uretprobeCalls() { return recorder.uretprobeCalls(); }

    /** Calls lost in the kernel (ring buffer full), over every process. */
    public long lostTotal() { return recorder.lostTotal(); }

    /** New processes not followed (too many at once). */
    public long notFollowed() { return recorder.notFollowed(); }

    /** The recorder, for what follows the processes to drain it and read its per-process losses. */
    public SyscallRecorder recorder() { return recorder; }

    @Override
    public void close() {
        try {
            recorder.close();
        } finally {
            if (probes != null) probes.close();
        }
    }

    /**
     * What to follow.
     * @param named    the processes the user named
     * @param running  the running processes to start with (the named ones and, when following, their descendants)
     * @param deadline System.nanoTime() at which to stop (Long.MAX_VALUE: none)
     * @param command  the command started, for messages (empty when none)
     */
    public record Target(List<Integer> named, List<Integer> running, long deadline, List<String> command) {
        public Target {
            named = List.copyOf(named);
            running = List.copyOf(running);
            command = List.copyOf(command);
        }
    }

    /**
     * Hands the target's processes to the recorder and to the observer, prints the banner
     * (given the followed roots) on stderr, lets a launched command run, then {@link #loop}s.
     */
    private static void follow(SyscallRecorder recorder, Target target, Launcher launched, ProcessObserver f, BooleanSupplier stop,
                              UnaryOperator<String> banner) {
        List<String> roots = new ArrayList<>();
        for (int pid : target.running()) {
            recorder.add(pid, false);
            boolean named = target.named().contains(pid);
            f.attach(pid, parent(pid), Procfs.comm(pid), Procfs.exe(pid), named);
            if (named) roots.add(Procfs.comm(pid) + " (pid " + pid + ")");
        }
        if (launched != null) {
            recorder.add((int) launched.pid(), true);
            f.launched((int) launched.pid(), launched.name());
            roots.add(launched.name() + " (pid " + launched.pid() + ")");
        }
        System.err.println(banner.apply(String.join(", ", roots)));
        if (launched != null) launched.go();
        loop(recorder, launched, f, target.deadline(), stop, target.command());
    }

    /**
     * Polls until every followed process has ended, stop says so, or the deadline; fails
     * when a launched command dies before its exec. Drains the ring at the end.
     */
    private static void loop(SyscallRecorder recorder, Launcher launched, ProcessObserver f, long deadline, BooleanSupplier stop, List<String> command) {
        long nextCheck = System.nanoTime();
        while (!stop.getAsBoolean() && System.nanoTime() < deadline) {
            recorder.poll(100);
            f.failIfBroken();
            if (System.nanoTime() >= nextCheck) {
                f.periodic();
                nextCheck = System.nanoTime() + 500_000_000L;
            }
            if (launched != null && !launched.isAlive() && !f.execSeen((int) launched.pid())) {
                while (recorder.poll(0) > 0) f.failIfBroken();
                if (!f.execSeen((int) launched.pid())) {
                    throw new TargetException("cannot run " + String.join(" ", command) + " (it exited with "
                            + launched.exitValue() + " before its exec)");
                }
            }
            if (f.allDone()) break;
        }
        while (recorder.poll(0) > 0) f.failIfBroken();
    }

    /** The parent of a running process, or 0. */
    public static int parent(int pid) {
        return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(h -> (int) h.pid()).orElse(0);
    }
}
