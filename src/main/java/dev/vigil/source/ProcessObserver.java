package dev.vigil.source;

import dev.vigil.sensor.SyscallRecorder;

/**
 * What follows processes (record's trace files, monitor's windows) is told by a source,
 * live ({@link LiveSource}) or replayed ({@link ReplaySource}): the same calls in the same
 * order, so what consumes them cannot tell the two apart. Confined to the source's thread.
 */
public interface ProcessObserver extends SyscallRecorder.Listener {
    /**
     * Starts following a process already running (one the user named, one below it, or a
     * replayed one), with what is known of it: its parent (0 when unknown), comm and
     * executable ("" when unknown).
     */
    void attach(int tgid, int parent, String comm, String exe, boolean named);

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
}
