package dev.vigil.alert;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded queue of text lines on disk, for an output whose receiver may be unreachable
 * for a while: {@link #add} appends a line to DIR/queue (or refuses it, counted by the
 * caller, when the queue holds maxBytes already), {@link #peek} reads the oldest lines
 * not yet delivered, {@link #commit} marks them delivered (the position is kept in
 * DIR/position, written aside, forced to disk and renamed, so a restart resumes where
 * delivery stopped; a crash between a delivery and its commit delivers those lines again;
 * a position a power cut or a disk error made unreadable, or one past the queue's end,
 * delivers the whole queue again, said by {@link #repaired}: repeats, never a loss or a
 * start that fails). Delivered bytes
 * are reclaimed when the queue empties or the delivered part outgrows half the limit.
 * A line must not contain a newline. Thread-safe.
 */
public final class Spool implements AutoCloseable {
    private final Path dir, queue, position;
    private final long maxBytes;
    private RandomAccessFile file;
    private long delivered; // bytes of the file already delivered
    private String repaired;

    public Spool(Path dir, long maxBytes) throws IOException {
        if (maxBytes < 1) throw new IllegalArgumentException("spool size must be positive");
        this.dir = Files.createDirectories(dir);
        this.queue = dir.resolve("queue");
        this.position = dir.resolve("position");
        this.maxBytes = maxBytes;
        this.file = new RandomAccessFile(queue.toFile(), "rw");
        long p = 0;
        String why = null;
        if (Files.exists(position)) {
            String text = Files.readString(position).strip();
            try {
                p = Long.parseLong(text);
                if (p < 0 || p > file.length()) why = "position " + p + " is outside " + queue + " (" + file.length() + " bytes)";
            } catch (NumberFormatException e) {
                why = "'" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "' is not a position";
            }
        }
        if (why != null) { // a power cut or a disk error: never stay down for it, never lose a line (duplicates instead)
            repaired = position + ": " + why + "; the queue is delivered again from its start (repeats, never a loss)";
            p = 0;
        }
        this.delivered = p;
        // a line cut short by a crash mid-append is dropped: the queue ends at its last newline
        long end = file.length();
        while (end > delivered) {
            file.seek(end - 1);
            if (file.read() == '\n') break;
            end--;
        }
        file.setLength(end);
    }

    /** What was wrong with the saved position at start and what was done about it, or null when nothing was. */
    public String repaired() { return repaired; }

    /** Appends a line; false when the queue is full (the line is not kept). */
    public synchronized boolean add(String line) throws IOException {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (file.length() - delivered + b.length > maxBytes) return false;
        if (file.length() + b.length > maxBytes && delivered > 0) compact();
        file.seek(file.length());
        file.write(b);
        notifyAll();
        return true;
    }

    /** Up to max of the oldest undelivered lines, waiting up to waitMillis for one when none is queued. */
    public synchronized List<String> peek(int max, long waitMillis) throws IOException, InterruptedException {
        if (file.length() == delivered && waitMillis > 0) wait(waitMillis);
        List<String> out = new ArrayList<>();
        long pos = delivered, end = file.length();
        byte[] buf = new byte[1 << 16];
        java.io.ByteArrayOutputStream part = new java.io.ByteArrayOutputStream();
        while (out.size() < max && pos < end) { // read in blocks, split at newlines (RandomAccessFile.readLine reads a byte per call)
            file.seek(pos);
            int n = file.read(buf, 0, (int) Math.min(buf.length, end - pos));
            if (n <= 0) break;
            pos += n;
            int start = 0;
            for (int i = 0; i < n && out.size() < max; i++) {
                if (buf[i] != '\n') continue;
                part.write(buf, start, i - start);
                out.add(part.toString(StandardCharsets.UTF_8));
                part.reset();
                start = i + 1;
            }
            if (out.size() < max) part.write(buf, start, n - start);
        }
        return out;
    }

    /** Marks the oldest n lines delivered. */
    public synchronized void commit(List<String> lines) throws IOException {
        for (String l : lines) delivered += l.getBytes(StandardCharsets.UTF_8).length + 1;
        if (delivered == file.length()) { // all delivered: the position first, so a crash between the two loses nothing
            writePosition(0);
            file.setLength(0);
            delivered = 0;
        } else if (delivered > maxBytes / 2) {
            compact();
        } else {
            writePosition(delivered);
        }
    }

    /** Bytes queued and not yet delivered. */
    public synchronized long pending() throws IOException {
        return file.length() - delivered;
    }

    /**
     * Moves the undelivered tail into a new queue file: written aside, the position set to 0, then renamed in, so a
     * crash at any point leaves either the old queue (delivered again from 0: duplicates, never a loss) or the new one.
     */
    private void compact() throws IOException {
        Path tmp = dir.resolve("queue.tmp");
        try (var out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            file.seek(delivered);
            int n;
            while ((n = file.read(buf)) > 0) out.write(buf, 0, n);
        }
        writePosition(0);
        file.close();
        Files.move(tmp, queue, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        file = new RandomAccessFile(queue.toFile(), "rw");
        delivered = 0;
    }

    /**
     * The queue's bytes are forced to disk first, so that a position on disk never points past what the queue holds
     * after a power cut; then the position, written aside, forced, renamed in, and the folder forced for the rename.
     */
    private void writePosition(long p) throws IOException {
        file.getChannel().force(false);
        Path tmp = dir.resolve("position.tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(Long.toString(p).getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, position, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (var d = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException notSupported) {
            // a file system that cannot sync a folder
        }
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }
}
