package dev.vigil.alert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's name for alerts: the kernel's hostname (/proc/sys/kernel/hostname). */
public final class Host {
    private static volatile String name;

    private Host() {}

    public static String name() {
        String n = name;
        if (n == null) {
            try {
                n = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (IOException | RuntimeException e) {
                n = "localhost";
            }
            if (n.isEmpty()) n = "localhost";
            name = n;
        }
        return n;
    }
}
