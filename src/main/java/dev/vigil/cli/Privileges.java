package dev.vigil.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may load BPF programs: root, or CAP_BPF + CAP_PERFMON. */
final class Privileges {
    private Privileges() {}

    static final int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    static long effectiveCaps() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (Exception e) {
            // fall through
        }
        return 0;
    }

    static boolean canLoadBpf() {
        long caps = effectiveCaps();
        return (caps & (1L << CAP_SYS_ADMIN)) != 0 || ((caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0);
    }

    /** Fails with NO_PRIVILEGE and a fix when BPF programs cannot be loaded. */
    static void require(String command) {
        if (!canLoadBpf()) {
            throw new UserError(ExitCodes.NO_PRIVILEGE, "vigil " + command
                    + " needs root or CAP_BPF + CAP_PERFMON to load BPF programs (run it with sudo)");
        }
    }
}
