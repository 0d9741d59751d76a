package dev.vigil.cli;

import dev.vigil.collect.SyscallRecorder;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What record and monitor do with the calls of the processes they follow; {@link #loop}
 * is their shared main loop. Confined to the polling thread.
 */
interface Follower extends SyscallRecorder.Listener {
    /** Every half second: flush, and end processes that vanished unseen. */
    void periodic();

    /** Have all followed processes ended? */
    boolean allDone();

    /** Has this process exec'd since it was followed? */
    boolean execSeen(int pid);

    /** Rethrows a failure the listener kept from the ring-buffer callback. */
    default void failIfBroken() {}

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
