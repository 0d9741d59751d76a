package dev.vigil.cli;

import dev.vigil.alert.AlertJson;
import dev.vigil.alert.EvilsocketText;
import dev.vigil.alert.ProcessRef;
import dev.vigil.alert.StreamOutput;
import dev.vigil.detect.Score;
import dev.vigil.follow.AutoencoderAlerts;
import dev.vigil.follow.HistogramSampler;
import dev.vigil.follow.LoadedModel;
import dev.vigil.follow.RiskyContext;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.Procfs;
import dev.vigil.syscall.SyscallTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Watch a process with a trained model and alert on anomalies.",
                "Every changed sample is scored; an error above the threshold is reported with the",
                "top 3 syscalls to blame."})
final class RunCommand implements Callable<Integer> {
    @Mixin SamplingOptions sampling;
    @Mixin MetricsOption metrics;

    @Option(names = "--model", defaultValue = "model.vigil", description = "Model file (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--max-error", description = "Alert threshold (default: the threshold stored in the model).")
    Double maxError;

    @Option(names = "--json", description = "One JSON object per alert line on stdout.")
    boolean json;

    @Option(names = "--replay", paramLabel = "CSV", description = "Score the samples of an activity CSV (vigil learn's or evilsocket's) instead of a live process; no privileges needed.")
    Path replay;

    @Override
    public Integer call() throws Exception {
        sampling.validate();
        metrics.check();
        if (maxError != null && !(maxError >= 0)) throw new UserError(ExitCodes.USAGE, "--max-error must be a number >= 0");
        if (replay == null) sampling.pid(); // required, unless replaying
        LoadedModel m = LoadedModel.load(model);
        if (replay != null) return replay(m);
        long tgid = Procfs.tgid(sampling.pid());
        Privileges.require("run");
        double threshold = maxError != null ? maxError : m.stored().threshold();
        String comm = Procfs.comm(tgid);
        SyscallTable table = SyscallTable.host();
        StreamOutput sink = new StreamOutput("stdout", System.out, json ? AlertJson::line : EvilsocketText::render);
        AutoencoderAlerts alertOf = new AutoencoderAlerts(table);
        java.util.concurrent.atomic.AtomicLong alerts = new java.util.concurrent.atomic.AtomicLong(), samples = new java.util.concurrent.atomic.AtomicLong();
        ProcessContext context = new ProcessContext();
        ProcessDescriber describer = new ProcessDescriber(context);
        try (ShutdownGuard guard = new ShutdownGuard();
             dev.vigil.alert.Metrics served = metrics.open("run");
             HistogramSampler sampler = HistogramSampler.attach(tgid, sampling.timeMs, sampling.warmupMs);
             RiskyContext risky = RiskyContext.start(tgid)) {
            guard.onStop(sampler::stop);
            served.counter("vigil_run_samples", "Samples scored", samples::get).counter("vigil_alerts", "Alerts raised", alerts::get)
                    .gauge("vigil_threshold", "The alert threshold (--max-error or the model's)", () -> threshold);
            System.err.printf(Locale.ROOT, "monitoring process %d (%s) with %s, max error %f ...%n", tgid, comm, model, threshold);
            HistogramSampler.Result result = sampler.run((time, deltas, counts) -> {
                Score s = m.autoencoder().score(deltas, threshold, 3);
                samples.incrementAndGet();
                if (s.anomalous()) {
                    alerts.incrementAndGet();
                    risky.drainInto(context);
                    ProcessRef p = describer.describe((int) tgid, (int) tgid, comm, "");
                    sink.send(alertOf.toAlert(time, p, describer.ancestry(p.ppid()), s, context.risky((int) tgid)));
                }
            }, sampling.maxSamples);
            System.err.printf("%d samples scored, %d alerts%n", result.samples(), alerts.get());
            if (result.targetExited()) {
                throw new UserError(ExitCodes.TARGET_EXITED, "target process " + tgid + " (" + comm + ") exited; "
                        + result.samples() + " samples scored, " + alerts.get() + " alerts");
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The replay source for evilsocket's CSV: each row is a sample as the live sampler makes
     * it (its time, its rates of change), scored and alerted by the same code; the process is
     * unknown, so alerts name the file (pid 0).
     */
    private int replay(LoadedModel m) throws java.io.IOException {
        dev.vigil.trace.ActivityCsv.Data data = dev.vigil.trace.ActivityCsv.read(replay);
        if (data.width() != m.autoencoder().width()) {
            throw new UserError(ExitCodes.BAD_INPUT, replay + ": " + data.width() + " syscall columns, the model " + m.autoencoder().width());
        }
        double threshold = maxError != null ? maxError : m.stored().threshold();
        StreamOutput sink = new StreamOutput("stdout", System.out, json ? AlertJson::line : EvilsocketText::render);
        AutoencoderAlerts alertOf = new AutoencoderAlerts(SyscallTable.host());
        dev.vigil.alert.ProcessRef p = dev.vigil.alert.ProcessRef.of(0, replay.getFileName().toString());
        long alerts = 0;
        for (dev.vigil.trace.ActivityCsv.Sample s : data.samples()) {
            Score score = m.autoencoder().score(s.values(), threshold, 3);
            if (!score.anomalous()) continue;
            alerts++;
            long nanos = Math.round(s.time() * 1e9);
            sink.send(alertOf.toAlert(java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)), p, List.of(),
                    score, List.of()));
        }
        System.err.printf(Locale.ROOT, "%d samples replayed from %s, %d alerts (max error %f)%n", data.samples().size(), replay, alerts, threshold);
        return ExitCodes.OK;
    }
}
