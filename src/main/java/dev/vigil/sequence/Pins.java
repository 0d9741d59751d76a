package dev.vigil.sequence;

import dev.vigil.sensor.SequenceSensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Pins the sequence detector's profile maps in bpffs, for `vigil profiles` (mounting bpffs when it is missing). */
public final class Pins {
    private Pins() {}

    public static boolean pin(SequenceSensor c, String dir, PrintStream log) {
        try {
            if (!isBpffs()) new ProcessBuilder("mount", "-t", "bpf", "bpf", "/sys/fs/bpf").start().waitFor();
            Files.createDirectories(Path.of(dir));
            c.unpin(dir);
            c.pin(dir);
            return true;
        } catch (IOException | RuntimeException e) {
            log.println("vigil: profiles administration unavailable (cannot pin maps in " + dir + ": " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static boolean isBpffs() throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals("/sys/fs/bpf") && l.split(" ")[2].equals("bpf"));
    }

    public static void unpin(SequenceSensor c, String dir) {
        try {
            c.unpin(dir);
            Files.deleteIfExists(Path.of(dir));
        } catch (IOException | RuntimeException ignored) {
            // another agent may use the folder
        }
    }
}
