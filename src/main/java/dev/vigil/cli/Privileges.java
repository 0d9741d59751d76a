package dev.vigil.cli;

import dev.vigil.host.Capabilities;

/** Fails a command that needs to load BPF programs when this process may not. */
final class Privileges {
    private Privileges() {}

    static boolean canLoadBpf() { return Capabilities.canLoadBpf(); }

    /** Fails with NO_PRIVILEGE and a fix when BPF programs cannot be loaded. */
    static void require(String command) {
        if (!canLoadBpf()) {
            throw new UserError(ExitCodes.NO_PRIVILEGE, "vigil " + command
                    + " needs root or CAP_BPF + CAP_PERFMON to load BPF programs (run it with sudo)");
        }
    }
}
