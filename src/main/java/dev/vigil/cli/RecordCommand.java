package dev.vigil.cli;

import dev.vigil.collect.ProcessInfo;
import dev.vigil.collect.SyscallRecorder;
import dev.vigil.trace.TraceFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Record every system call of processes, in order, into trace files (one per process) that",
                "vigil evaluate --dataset folders reads: build your own labelled sets and measure the detectors on them.",
                "Follows the processes they fork. Stops when all have exited, at Ctrl-C or after --duration.",
                "vigil's own messages go to stderr.",
                "  vigil record --out data/train -- curl -s http://localhost/",
                "  vigil record --pid $(pgrep -o nginx) --out data/normal --duration 60"})
final class RecordCommand implements Callable<Integer> {
    @Option(names = "--pid", description = "A running process to record (repeatable); with its existing child processes unless --no-follow.")
    List<Integer> pids = new ArrayList<>();

    @Option(names = "--out", defaultValue = "vigil-traces", description = "Folder for the trace files (created; existing files are kept) (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--no-follow", description = "Do not record the processes the recorded ones fork.")
    boolean noFollow;

    @Option(names = "--duration", description = "Stop after this many seconds (default: when every recorded process has exited).")
    Integer duration;

    @Option(names = "--ring-mb", defaultValue = "16", description = "Ring-buffer size in MiB, a power of two; calls that find it full are lost and counted (default: ${DEFAULT-VALUE}).")
    int ringMb;

    @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "A command to start and record from its first call (after --).")
    List<String> command = new ArrayList<>();

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (pids.isEmpty() && command.isEmpty()) throw new UserError(ExitCodes.USAGE, "nothing to record: give --pid PID or a command after --");
        if (duration != null && duration < 1) throw new UserError(ExitCodes.USAGE, "--duration must be at least 1");
        if (ringMb < 1 || Integer.bitCount(ringMb) != 1 || ringMb > 1024) throw new UserError(ExitCodes.USAGE, "--ring-mb must be a power of two from 1 to 1024");
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError(ExitCodes.USAGE, "--out " + out + " is a file, not a folder");
        for (int pid : pids) {
            if (pid < 1 || !ProcessInfo.alive(pid)) throw new ProcessInfo.NoSuchProcessException(pid);
            if (ProcessInfo.tgid(pid) == ProcessHandle.current().pid()) throw new UserError(ExitCodes.USAGE, "vigil cannot record itself (--pid " + pid + ")");
        }
        Launcher.Prepared launch = command.isEmpty() ? null : Launcher.prepare(command);
        Privileges.require("record");
        TraceFolder traces;
        try {
            traces = new TraceFolder(out);
        } catch (IOException e) {
            throw new UserError(ExitCodes.USAGE, "cannot create --out " + out + ": " + e.getMessage());
        }
        Recording rec = new Recording(traces, !noFollow);
        try (ShutdownGuard guard = new ShutdownGuard();
             SyscallRecorder recorder = SyscallRecorder.start(!noFollow, ringMb << 20, rec);
             Launcher launched = launch == null ? null : launch.start()) {
            guard.onStop(() -> stop = true);
            rec.recorder = recorder;
            for (int pid : pids) rec.attach(pid);
            if (launched != null) {
                recorder.add((int) launched.pid(), true);
                rec.launched((int) launched.pid(), launched.name());
            }
            System.err.printf("vigil: recording %s into %s ...%n", rec.describeRoots(), out);
            if (launched != null) launched.go();
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration * 1_000_000_000L;
            long nextCheck = System.nanoTime();
            while (!stop && System.nanoTime() < end) {
                recorder.poll(100);
                rec.failIfBroken();
                if (System.nanoTime() >= nextCheck) {
                    traces.flush();
                    rec.reapVanished();
                    nextCheck = System.nanoTime() + 500_000_000L;
                }
                if (launched != null && rec.launchFailed(launched)) {
                    throw new UserError(ExitCodes.USAGE, "cannot run " + String.join(" ", command) + " (the launcher exited with "
                            + launched.exitValue() + " before its exec)");
                }
                if (rec.allDone()) break;
            }
            while (recorder.poll(0) > 0) rec.failIfBroken();
            rec.finishAll("recording stopped while the process ran");
            rec.summary(System.err, recorder);
            if (launched != null && launched.isAlive()) {
                System.err.printf("vigil: %s (pid %d) is still running; it is no longer recorded%n", launched.name(), launched.pid());
                launched.detach();
            }
        } catch (UncheckedIOException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        }
        return ExitCodes.OK;
    }
}
