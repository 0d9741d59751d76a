package dev.vigil.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * On Ctrl-C or SIGTERM: asks the running loop to stop, then holds the JVM's exit until
 * the command has closed its BPF objects and files (at most 10 s). Close it when the
 * command is done. One per command.
 */
final class ShutdownGuard implements AutoCloseable {
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;
    private volatile Runnable stop = () -> { };

    /** Open it before acquiring anything, so the JVM waits until all of it is closed. */
    ShutdownGuard() {
        hook = new Thread(() -> {
            stop.run();
            try {
                done.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vigil-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** What to do on Ctrl-C / SIGTERM (stop the sampling loop). */
    void onStop(Runnable r) {
        stop = r;
    }

    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running; it returns now that done is counted down
        }
    }
}
