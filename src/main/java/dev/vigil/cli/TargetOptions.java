package dev.vigil.cli;

import dev.vigil.host.Procfs;
import dev.vigil.source.Launcher;
import dev.vigil.source.LiveSource;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The processes record and monitor follow: running ones by pid, or a command they start. */
final class TargetOptions {
    @Option(names = "--pid", description = "A running process (repeatable); with its existing child processes unless --no-follow.")
    List<Integer> pids = new ArrayList<>();

    @Option(names = "--no-follow", description = "Leave out the processes the followed ones fork.")
    boolean noFollow;

    @Option(names = "--duration", description = "Stop after this many seconds (default: when every followed process has exited).")
    Integer duration;

    @Option(names = "--ring-mb", defaultValue = "16", description = "Ring-buffer size in MiB, a power of two; calls that find it full are lost and counted (default: ${DEFAULT-VALUE}).")
    int ringMb;

    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "A command to start and follow from its first call (after --).")
    List<String> command = new ArrayList<>();

    /** Checks the options (usage errors, missing pids); returns the prepared command or null. */
    Launcher.Prepared validate() {
        if (pids.isEmpty() && command.isEmpty()) throw new UserError(ExitCodes.USAGE, "no process: give --pid PID or a command after --");
        if (duration != null && duration < 1) throw new UserError(ExitCodes.USAGE, "--duration must be at least 1");
        if (ringMb < 1 || Integer.bitCount(ringMb) != 1 || ringMb > 1024) throw new UserError(ExitCodes.USAGE, "--ring-mb must be a power of two from 1 to 1024");
        for (int pid : pids) {
            if (pid < 1 || !Procfs.alive(pid)) throw new Procfs.NoSuchProcessException(pid);
            if (Procfs.tgid(pid) == ProcessHandle.current().pid()) throw new UserError(ExitCodes.USAGE, "vigil cannot follow itself (--pid " + pid + ")");
        }
        return command.isEmpty() ? null : Launcher.prepare(command);
    }

    boolean follow() { return !noFollow; }

    int ringBytes() { return ringMb << 20; }

    /** System.nanoTime() at which to stop. */
    long deadline() { return duration == null ? Long.MAX_VALUE : System.nanoTime() + duration * 1_000_000_000L; }

    /** What the live source follows. */
    LiveSource.Target target() {
        List<Integer> named = named();
        return new LiveSource.Target(named, running(named), deadline(), command);
    }

    /** The processes (thread groups) of the pids given. */
    List<Integer> named() {
        return pids.stream().map(p -> (int) Procfs.tgid(p)).distinct().toList();
    }

    /** Running processes to start with: the named ones (see {@link #named}) and, when following, their descendants. */
    List<Integer> running(List<Integer> named) {
        List<Integer> out = new ArrayList<>(named);
        if (follow()) {
            for (int tgid : named) {
                ProcessHandle.of(tgid).ifPresent(h -> h.descendants().forEach(d -> {
                    if (!out.contains((int) d.pid())) out.add((int) d.pid());
                }));
            }
        }
        return out;
    }
}
