package dev.vigil.cli;

import dev.vigil.alert.Metrics;
import dev.vigil.collect.ProcessInfo;
import dev.vigil.collect.SyscallRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * What record and monitor do with the calls of the processes they follow; {@link #follow}
 * is their shared start and main loop. Confined to the polling thread.
 */
interface Follower extends SyscallRecorder.Listener {
    /** Starts following a running process, one the user named or one below it (the recorder already has it). */
    void attach(int tgid, boolean named);

    /** Starts following a command vigil started (the recorder waits for its exec). */
    void launched(int pid, String name);

    /** Every half second: flush, and end processes that vanished unseen. */
    void periodic();

    /** Have all followed processes ended? */
    boolean allDone();

    /** Has this process exec'd since it was followed? */
    boolean execSeen(int pid);

    /** Rethrows a failure the listener kept from the ring-buffer callback. */
    default void failIfBroken() {}

    /**
     * Hands the target's processes to the recorder and to f, serves the recorder's loss
     * counters, prints the banner (given the followed roots), lets a launched command run,
     * then {@link #loop}s.
     */
    static void follow(SyscallRecorder recorder, TargetOptions target, Launcher launched, Follower f, Metrics metrics,
                       BooleanSupplier stop, UnaryOperator<String> banner) {
        metrics.counter("vigil_calls_lost", "Calls lost in the kernel (ring buffer full)", recorder::lostTotal)
                .counter("vigil_processes_not_followed", "New processes not followed (too many at once)", recorder::notFollowed);
        List<Integer> named = target.named();
        List<String> roots = new ArrayList<>();
        for (int pid : target.running(named)) {
            recorder.add(pid, false);
            f.attach(pid, named.contains(pid));
            if (named.contains(pid)) roots.add(ProcessInfo.comm(pid) + " (pid " + pid + ")");
        }
        if (launched != null) {
            recorder.add((int) launched.pid(), true);
            f.launched((int) launched.pid(), launched.name());
            roots.add(launched.name() + " (pid " + launched.pid() + ")");
        }
        System.err.println(banner.apply(String.join(", ", roots)));
        if (launched != null) launched.go();
        loop(recorder, launched, f, target.deadline(), stop, target.command);
    }

    /**
     * Polls until every followed process has ended, stop says so, or the deadline; fails
     * with a usage error when a launched command dies before its exec. Drains the ring at the end.
     */
    static void loop(SyscallRecorder recorder, Launcher launched, Follower f, long deadline, BooleanSupplier stop, List<String> command) {
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
                    throw new UserError(ExitCodes.USAGE, "cannot run " + String.join(" ", command) + " (it exited with "
                            + launched.exitValue() + " before its exec)");
                }
            }
            if (f.allDone()) break;
        }
        while (recorder.poll(0) > 0) f.failIfBroken();
    }
}
