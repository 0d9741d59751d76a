package dev.vigil.cli;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.eval.DetectorSpec;
import dev.vigil.eval.Evaluation;
import dev.vigil.eval.Report;
import dev.vigil.trace.TraceDataset;
import dev.vigil.trace.TraceFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate detectors offline on labelled traces (ADFA-LD, or your own folders).",
                "Each detector is fit on the training traces only, then scores every normal and attack trace.",
                "Writes report.md (table), scores.csv (per-trace scores) and roc.png (ROC curves) to --out."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--dataset", defaultValue = "adfa-ld", description = "adfa-ld, or folders (DIR/train, DIR/normal, DIR/<attack kind>) (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--path", description = "The dataset: ADFA-LD's zip or folder (default: $VIGIL_ADFA_LD, or ../shared/datasets/adfa-ld/ADFA-LD.zip), or the folders.")
    Path path;

    @Option(names = "--arch", defaultValue = "host", description = "Architecture of numbers in --dataset folders traces: x86_64, aarch64, i386 (default: the host's).")
    String arch;

    @Option(names = "--detector", description = {"Detectors, repeatable: NAME[:key=value,...] (default: all).",
            "stide:n=6  lookahead:w=9  knn:k=1  autoencoder:window=50,stride=25,epochs=20,batch=64",
            "ngram-lm[:n=N,d=D]  gru-lm:hidden=128,layers=1,epochs=40,patience=3,batch=8  ensemble"})
    List<String> detectors;

    @Option(names = "--out", defaultValue = "vigil-eval", description = "Folder for report.md, scores.csv, roc.png (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-traces", description = "Use at most N traces of each split (training, normal, each attack kind), chosen with the seed.")
    Integer maxTraces;

    @Override
    public Integer call() throws Exception {
        List<String> specs = detectors == null || detectors.isEmpty() ? DetectorSpec.DEFAULT : detectors;
        List<SequenceDetector> made = new ArrayList<>();
        try {
            for (String s : specs) made.add(DetectorSpec.create(s, seed));
        } catch (IllegalArgumentException e) {
            made.forEach(SequenceDetector::close);
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        if (maxTraces != null && maxTraces < 2) throw new UserError(ExitCodes.USAGE, "--max-traces must be at least 2");
        TraceDataset data = load();
        if (maxTraces != null) data = data.sample(maxTraces, seed);
        System.err.printf("vigil: %s: %d training, %d normal, %d attack traces %s%n", data.name(), data.train().size(),
                data.normal().size(), data.attack().size(), data.attackKinds());
        Files.createDirectories(out);
        List<Evaluation.Result> results = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (SequenceDetector d : made) {
                Evaluation.Result r = Evaluation.run(data, d, m -> System.err.println("vigil: " + m));
                results.add(r);
                System.err.printf("vigil: %s: AUC %.3f (fit %.1f s, score %.1f s)%n", r.detector(), r.roc().auc(), r.fitSeconds(), r.scoreSeconds());
            }
        } finally {
            made.forEach(SequenceDetector::close);
        }
        String command = "vigil evaluate --dataset " + dataset + (path != null ? " --path " + path : "")
                + " --detector " + String.join(" --detector ", specs) + " --seed " + seed
                + (maxTraces != null ? " --max-traces " + maxTraces : "");
        List<Path> written = Report.writeAll(out, data, results, seed, command);
        System.out.print(Report.table(results));
        System.out.printf("total %.1f s; wrote %s%n", (System.nanoTime() - t0) / 1e9, String.join(", ", written.stream().map(Path::toString).toList()));
        return ExitCodes.OK;
    }

    private TraceDataset load() throws java.io.IOException {
        try {
            return switch (dataset) {
                case "adfa-ld" -> TraceDataset.adfaLd(path != null ? path : defaultAdfa());
                case "folders" -> {
                    if (path == null) throw new UserError(ExitCodes.USAGE, "--dataset folders needs --path DIR");
                    yield TraceDataset.folders(path, "host".equals(arch) ? dev.vigil.syscall.SyscallTable.hostArch() : arch);
                }
                default -> throw new UserError(ExitCodes.USAGE, "unknown --dataset '" + dataset + "' (adfa-ld or folders)");
            };
        } catch (TraceFormat.FormatException e) {
            throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
    }

    private static Path defaultAdfa() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("VIGIL_ADFA_LD");
        if (env != null && !env.isBlank()) return Path.of(env);
        candidates.add(Path.of("../shared/datasets/adfa-ld/ADFA-LD.zip"));
        String root = System.getenv("VIGIL_ROOT");
        if (root != null) candidates.add(Path.of(root).resolve("../shared/datasets/adfa-ld/ADFA-LD.zip").normalize());
        for (Path p : candidates) if (Files.exists(p)) return p;
        throw new UserError(ExitCodes.BAD_INPUT, "ADFA-LD not found at " + candidates + "; pass --path ADFA-LD.zip or set VIGIL_ADFA_LD");
    }
}
