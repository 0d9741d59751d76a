package dev.vigil.alert;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Alerts appended to a file, one per line (JSON lines by default), flushed per alert.
 * When a write takes the file past maxBytes it is rotated: FILE.(keep-1) becomes FILE.keep
 * (the oldest is deleted), ..., FILE becomes FILE.1, and a new FILE is started.
 * {@link #reopen} closes and reopens FILE (for logrotate's move-then-HUP). A failed write
 * is counted and the file is reopened at the next alert. Thread-safe.
 */
public final class FileOutput implements AlertOutput {
    private final Path path;
    private final long maxBytes;
    private final int keep;
    private final Format format;
    private final Counts counts = new Counts();
    private OutputStream out;
    private long size;
    private long rotations;

    /** Opens (creating folders and the file, appending) path now, so a bad path fails at start. */
    public FileOutput(Path path, long maxBytes, int keep, Format format) throws IOException {
        if (maxBytes < 1024) throw new IllegalArgumentException("max size must be at least 1 KiB");
        if (keep < 0) throw new IllegalArgumentException("keep must be >= 0");
        this.path = path;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.format = format;
        open();
    }

    private void open() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        size = Files.size(path);
    }

    @Override
    public String name() { return "file"; }

    public Path path() { return path; }

    @Override
    public synchronized void send(Alert a) {
        byte[] line = (format.render(a) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (out == null) open();
            out.write(line);
            out.flush();
            size += line.length;
            counts.sent.incrementAndGet();
            if (size >= maxBytes) rotate();
        } catch (IOException e) {
            counts.failed.incrementAndGet();
            closeQuietly();
        }
    }

    private void rotate() throws IOException {
        closeQuietly();
        if (keep == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.deleteIfExists(numbered(keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        rotations++;
        open();
    }

    private Path numbered(int i) { return path.resolveSibling(path.getFileName() + "." + i); }

    @Override
    public synchronized String reopen() {
        closeQuietly();
        try {
            open();
            return "reopened " + path;
        } catch (IOException e) {
            counts.failed.incrementAndGet();
            return "cannot reopen " + path + ": " + e.getMessage();
        }
    }

    private void closeQuietly() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // the next send reopens
        }
        out = null;
    }

    @Override
    public synchronized Map<String, Long> counts() {
        Map<String, Long> m = counts.map();
        m.put("rotations", rotations);
        return m;
    }

    @Override
    public synchronized void close() { closeQuietly(); }
}
