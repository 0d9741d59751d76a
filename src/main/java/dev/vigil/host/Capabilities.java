package dev.vigil.host;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may load BPF programs: root (CAP_SYS_ADMIN), or CAP_BPF + CAP_PERFMON. Thread-safe. */
public final class Capabilities {
    private Capabilities() {}

    static final int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    /** The effective capability mask (/proc/self/status CapEff), 0 when it cannot be read. */
    public static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (Exception e) {
            // fall through
        }
        return 0;
    }

    public static boolean canLoadBpf() {
        long caps = effective();
        return (caps & (1L << CAP_SYS_ADMIN)) != 0 || ((caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0);
    }
}
