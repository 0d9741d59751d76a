package dev.vigil.source;

import dev.vigil.host.ProcessInfo;
import dev.vigil.sensor.SyscallRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * The live source: the recorder's calls, forks, execs and exits of the followed processes
 * (record.bpf.c), handed to an observer on the polling thread. {@link #follow} is the one
 * start and main loop of record and monitor.
 */
public final class LiveSource {
    private LiveSource() {}

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
    public static void follow(SyscallRecorder recorder, Target target, Launcher launched, ProcessObserver f, BooleanSupplier stop,
                              UnaryOperator<String> banner) {
        List<String> roots = new ArrayList<>();
        for (int pid : target.running()) {
            recorder.add(pid, false);
            boolean named = target.named().contains(pid);
            f.attach(pid, parent(pid), ProcessInfo.comm(pid), ProcessInfo.exe(pid), named);
            if (named) roots.add(ProcessInfo.comm(pid) + " (pid " + pid + ")");
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
    public static void loop(SyscallRecorder recorder, Launcher launched, ProcessObserver f, long deadline, BooleanSupplier stop, List<String> command) {
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
