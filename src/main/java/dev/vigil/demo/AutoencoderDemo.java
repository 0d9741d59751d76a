package dev.vigil.demo;

import dev.vigil.alert.AlertJson;
import dev.vigil.alert.EvilsocketText;
import dev.vigil.alert.ProcessRef;
import dev.vigil.alert.StreamOutput;
import dev.vigil.detect.Score;
import dev.vigil.detect.autoencoder.AutoencoderTrainer;
import dev.vigil.follow.AutoencoderAlerts;
import dev.vigil.follow.HistogramSampler;
import dev.vigil.follow.HistogramSession;
import dev.vigil.store.ModelFile;
import dev.vigil.syscall.SyscallTable;
import dev.vigil.trace.ActivityCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * evilsocket's pipeline on a built-in default (`vigil demo-autoencoder`): learn a workload's
 * normal behaviour, train, then watch it behave normally and then anomalously, and summarise
 * on stdout. Needs the privileges to load BPF programs.
 */
public final class AutoencoderDemo {
    private AutoencoderDemo() {}

    /** How it ran: the anomaly detected or not, or interrupted (Ctrl-C). */
    public enum Outcome { DETECTED, MISSED, INTERRUPTED }

    /** @param dir where the activity CSV and the model go (created) */
    public record Settings(int learnSeconds, int watchSeconds, int epochs, long timeMs, Path dir, boolean json) {}

    private static final class Interrupted extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /** @param guard while a phase samples, what turns Ctrl-C into the given stop (closed when the phase ends) */
    public static Outcome run(Settings o, Function<Runnable, AutoCloseable> guard) throws Exception {
        try {
            return demo(o, guard);
        } catch (Interrupted e) {
            return Outcome.INTERRUPTED;
        }
    }

    private static Outcome demo(Settings o, Function<Runnable, AutoCloseable> guard) throws Exception {
        int learnSeconds = o.learnSeconds(), watchSeconds = o.watchSeconds(), epochs = o.epochs();
        long timeMs = o.timeMs();
        Path dir = o.dir();
        boolean json = o.json();
        Files.createDirectories(dir);
        Path csv = dir.resolve("activity.csv");
        Path modelFile = dir.resolve("model.vigil");
        SyscallTable table = SyscallTable.host();
        StreamOutput sink = new StreamOutput("stdout", System.out, json ? AlertJson::line : EvilsocketText::render);
        try (DemoWorkload workload = DemoWorkload.start(10_000)) {
            long pid = workload.pid();
            say("started the workload (pid %d): every 10 ms it reads /etc/hostname, writes to /dev/null and sleeps", pid);
            // 1. learn, with its own probe (as `vigil learn` does)
            say("phase 1/4: learning normal behaviour for %d s -> %s", learnSeconds, csv);
            List<double[]> learned = new ArrayList<>();
            try (HistogramSession session = HistogramSession.attach(pid, timeMs);
                 ActivityCsv.Writer w = new ActivityCsv.Writer(csv, HistogramSampler.WIDTH, true)) {
                drain(guard, session, learnSeconds, s -> {
                    learned.add(s.deltas());
                    w.write(s.time().getEpochSecond() + s.time().getNano() / 1e9, s.deltas());
                });
            }
            say("learned %d samples; probe detached", learned.size());
            // 2. train (as `vigil train` does)
            say("phase 2/4: training the autoencoder (%d epochs, batch 16)", epochs);
            var settings = new AutoencoderTrainer.Settings(epochs, 16, 0.1, 42);
            var r = AutoencoderTrainer.train(learned.toArray(double[][]::new), settings, null);
            ModelFile.write(modelFile, r.stored(settings, csv.getFileName().toString(), (int) timeMs));
            say("trained in %.1f s; threshold (largest held-out error) = %f; model -> %s", r.seconds(), r.threshold(), modelFile);
            // 3. watch normal, 4. watch anomalous, with a fresh probe (as `vigil run` does)
            Phase normal, anomalous;
            try (HistogramSession session = HistogramSession.attach(pid, timeMs)) {
                say("phase 3/4: probe attached again; watching normal behaviour for %d s", watchSeconds);
                normal = watch(guard, session, watchSeconds, r, pid, sink);
                workload.misbehave();
                say("phase 4/4: the workload now spawns a shell, reads /etc/passwd, lists /etc and connects to 127.0.0.1:9 every 10 ms; watching for %d s", watchSeconds);
                anomalous = watch(guard, session, watchSeconds, r, pid, sink);
            }
            System.out.println();
            System.out.println("summary");
            System.out.printf(Locale.ROOT, "  samples learned         %d (%d held out)%n", learned.size(), r.heldOutSamples());
            System.out.printf(Locale.ROOT, "  threshold               %f%n", r.threshold());
            System.out.printf(Locale.ROOT, "  normal phase            %d alerts in %d samples%n", normal.alerts(), normal.samples());
            System.out.printf(Locale.ROOT, "  anomalous phase         %d alerts in %d samples%n", anomalous.alerts(), anomalous.samples());
            System.out.printf(Locale.ROOT, "  separation              largest normal error %.2fx the threshold, smallest anomalous error %.2fx%n",
                    normal.maxError() / r.threshold(), anomalous.minError() / r.threshold());
            System.out.printf(Locale.ROOT, "  note                    the threshold is the largest of %d held-out errors (evilsocket's rule), so about%n"
                    + "                          1 normal sample in %d exceeds it by chance; raise it with run --max-error%n",
                    r.heldOutSamples(), r.heldOutSamples() + 1);
            System.out.printf("  files                   %s, %s%n", csv, modelFile);
            boolean ok = anomalous.alerts() > 0;
            System.out.println(ok ? "  result                  the anomaly was detected" : "  result                  the anomaly was NOT detected");
            return ok ? Outcome.DETECTED : Outcome.MISSED;
        }
    }

    /** What one watching phase saw. */
    private record Phase(long samples, long alerts, double minError, double maxError) {}

    private static Phase watch(Function<Runnable, AutoCloseable> guard, HistogramSession session, int seconds, AutoencoderTrainer.Result r, long pid,
                               StreamOutput sink) throws Exception {
        AutoencoderAlerts alertOf = new AutoencoderAlerts(SyscallTable.host());
        long[] counts = new long[2];
        double[] extremes = {Double.MAX_VALUE, 0};
        drain(guard, session, seconds, s -> {
            counts[0]++;
            Score score = r.model().score(s.deltas(), r.threshold(), 3);
            extremes[0] = Math.min(extremes[0], score.error());
            extremes[1] = Math.max(extremes[1], score.error());
            if (score.anomalous()) {
                counts[1]++;
                sink.send(alertOf.toAlert(s.time(), ProcessRef.of((int) pid, "vigil-workload"), List.of(), score, List.of()));
            }
        });
        return new Phase(counts[0], counts[1], extremes[0], extremes[1]);
    }

    /** Hands the session's samples for seconds to c; Ctrl-C ends the demo. */
    private static void drain(Function<Runnable, AutoCloseable> guard, HistogramSession session, int seconds, HistogramSession.SampleConsumer c)
            throws Exception {
        try (AutoCloseable g = guard.apply(session::stop)) {
            if (!session.drainFor(seconds, c)) throw new Interrupted();
        }
    }

    private static void say(String fmt, Object... args) {
        System.out.println("[demo] " + String.format(Locale.ROOT, fmt, args));
    }
}
