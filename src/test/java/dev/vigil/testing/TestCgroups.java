package dev.vigil.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Cgroups the kernel tests make for a service of their own. */
public final class TestCgroups {
    private TestCgroups() {}

    /** Removes a test's cgroup, waiting (at most 5 s) while its last process is still leaving it. */
    public static void remove(Path cgroup) throws InterruptedException {
        for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
            try {
                Files.delete(cgroup);
            } catch (java.io.IOException busy) {
                Thread.sleep(100);
            }
        }
    }
}
