package dev.vigil.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file whole or not at all: a temporary file beside it, forced to disk, renamed
 * over it, and the directory forced too, so a power cut leaves the old content or the new,
 * never an empty file.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Writes the buffer's remaining bytes as file's new content. */
    public static void write(Path file, ByteBuffer buf) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (var d = java.nio.channels.FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself
            } catch (IOException notSupported) {
                // a file system that cannot sync a directory: the file's own content is on disk
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
