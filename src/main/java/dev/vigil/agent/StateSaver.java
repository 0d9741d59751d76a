package dev.vigil.agent;

import dev.vigil.alert.Alert;
import dev.vigil.store.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the agent's state files on a thread of its own, so that a slow, full or read-only
 * state folder never holds or ends detection. The detection thread hands over a file's
 * bytes (a snapshot it rendered itself, so the file is consistent); the saver writes the
 * latest bytes of each file whole or not at all ({@link AtomicFile}). A save that fails
 * (a full disk, a read-only file system, a folder gone) raises one high-severity
 * {@code coverage} alert (source {@code state}) saying what is at stake, and is tried again
 * with the next snapshot; the first save that works again is an info alert. Thread-safe.
 */
final class StateSaver implements AutoCloseable {
    private final String host;
    private final Map<Path, Pending> pending = new LinkedHashMap<>();
    /** file -> why its last save failed; a file is here while its saves fail. */
    private final Map<Path, String> failing = new HashMap<>();
    private final List<Alert> alerts = new ArrayList<>();
    private long saved, failed;
    private int writing;
    private boolean closing;
    private final Thread thread;

    private record Pending(String what, byte[] bytes) {}

    StateSaver(String host) {
        this.host = host;
        this.thread = Thread.ofPlatform().name("vigil-save").daemon().start(this::run);
    }

    /** Hands over file's new content (what: the words for it, "workload profiles"); replaces a snapshot not written yet. */
    synchronized void submit(String what, Path file, byte[] bytes) {
        if (closing) return;
        pending.put(file, new Pending(what, bytes));
        notifyAll();
    }

    /** The alerts raised since the last call (a save that failed, a save that works again). */
    synchronized List<Alert> alerts() {
        List<Alert> r = List.copyOf(alerts);
        alerts.clear();
        return r;
    }

    /** Why file's last save failed, or null when it did not. */
    synchronized String failure(Path file) { return failing.get(file); }

    /** Waits until every snapshot handed over is written or failed; false after the timeout. */
    synchronized boolean flush(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty() || writing > 0) {
            long left = end - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** saved, failed: state files written, and saves that failed. */
    synchronized Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("saved", saved);
        m.put("failed", failed);
        return m;
    }

    private void run() {
        while (true) {
            Path file;
            Pending p;
            synchronized (this) {
                while (pending.isEmpty() && !closing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (pending.isEmpty()) return;
                var first = pending.entrySet().iterator().next();
                file = first.getKey();
                p = first.getValue();
                pending.remove(file);
                writing++;
            }
            String error = null;
            try {
                Path dir = file.toAbsolutePath().getParent();
                if (dir != null) Files.createDirectories(dir);
                AtomicFile.write(file, ByteBuffer.wrap(p.bytes()));
            } catch (IOException | RuntimeException e) {
                error = reason(e);
            }
            synchronized (this) {
                writing--;
                done(file, p.what(), error);
                notifyAll();
            }
        }
    }

    /** The cause in words: "Read-only file system", "No space left on device", "/x: Not a directory". */
    private static String reason(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason() + " (" + f.getFile() + ")";
        if (e instanceof java.nio.file.FileSystemException f) return e.getClass().getSimpleName() + " (" + f.getFile() + ")";
        return String.valueOf(e.getMessage());
    }

    private void done(Path file, String what, String error) {
        Instant now = Instant.now();
        if (error == null) {
            saved++;
            if (failing.remove(file) != null) {
                alerts.add(Alert.builder("coverage", "coverage").time(now).host(host).severity(Alert.Severity.INFO)
                        .summary("vigil saves its " + what + " to " + file + " again")
                        .evidence("source", "state").evidence("file", file.toString()).evidence("saved", true)
                        .dedupKey("coverage|save-ok|" + file).build());
            }
            return;
        }
        failed++;
        if (failing.put(file, error) != null) return; // one alert per failing streak
        alerts.add(Alert.builder("coverage", "coverage").time(now).host(host).severity(Alert.Severity.HIGH)
                .summary("vigil cannot save its " + what + " to " + file + ": " + error + "; detection goes on with what is in memory, but what"
                        + " was learnt since the last save is lost if the agent stops; it tries again at every save (free the disk or make the"
                        + " state folder writable)")
                .evidence("source", "state").evidence("file", file.toString()).evidence("reason", error).evidence("saved", false)
                .dedupKey("coverage|save|" + file).build());
    }

    /** Writes what is handed over already (up to 30 s), then stops the thread. */
    @Override
    public void close() {
        try {
            flush(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
