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

    ShutdownGuard(Runnable stop) {
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
