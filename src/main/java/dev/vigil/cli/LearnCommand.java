package dev.vigil.cli;

import dev.vigil.follow.HistogramSampler;
import dev.vigil.host.Procfs;
import dev.vigil.trace.ActivityCsv;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "learn", mixinStandardHelpOptions = true,
        description = {"Record a process's syscall activity into an activity CSV.",
                "Every --time ms, one row of per-syscall rates of change (evilsocket's format).",
                "Stops on Ctrl-C, after --samples, or when the process exits."})
final class LearnCommand implements Callable<Integer> {
    @Mixin SamplingOptions sampling;

    @Option(names = "--data", defaultValue = "activity.csv", description = "Activity CSV to write (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--force", description = "Overwrite an existing data file.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        sampling.validate();
        long tgid = Procfs.tgid(sampling.pid());
        if (!force && Files.exists(data)) {
            throw new UserError(ExitCodes.BAD_INPUT, data + " already exists (use --force to overwrite it)");
        }
        Privileges.require("learn");
        String comm = Procfs.comm(tgid);
        AtomicLong saved = new AtomicLong();
        try (ShutdownGuard guard = new ShutdownGuard();
             HistogramSampler sampler = HistogramSampler.attach(tgid, sampling.timeMs, sampling.warmupMs)) {
            guard.onStop(sampler::stop);
            ActivityCsv.Writer out;
            try {
                out = new ActivityCsv.Writer(data, HistogramSampler.WIDTH, force);
            } catch (FileAlreadyExistsException e) {
                throw new UserError(ExitCodes.BAD_INPUT, data + " already exists (use --force to overwrite it)");
            }
            System.out.printf("learning from process %d (%s), saving data to %s ...%n", tgid, comm, data);
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(() -> System.out.printf("%d samples saved ...%n", saved.get()), 1, 1, TimeUnit.SECONDS);
            HistogramSampler.Result result;
            try (out) {
                result = sampler.run((time, deltas, counts) -> {
                    out.write(time.getEpochSecond() + time.getNano() / 1e9, deltas);
                    saved.incrementAndGet();
                }, sampling.maxSamples);
            } finally {
                ticker.shutdownNow();
            }
            System.out.printf("%d samples saved to %s%n", saved.get(), data);
            if (result.targetExited()) {
                throw new UserError(ExitCodes.TARGET_EXITED, "target process " + tgid + " (" + comm + ") exited; "
                        + saved.get() + " samples saved to " + data);
            }
        }
        return ExitCodes.OK;
    }
}
