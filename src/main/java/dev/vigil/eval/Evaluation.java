package dev.vigil.eval;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import dev.vigil.trace.Trace;
import dev.vigil.trace.TraceDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The standard protocol: fit each detector on the dataset's training traces only, score
 * every normal and attack trace, and measure. Nothing about the attacks reaches fit.
 * Not thread-safe; detectors are closed by the caller.
 */
public final class Evaluation {
    /** The false-alarm rates the table reports detection at. */
    public static final double[] RATES = {0.01, 0.05, 0.10};
    /** The false-alarm rate per-kind detection is reported at. */
    public static final double KIND_RATE = 0.05;

    /** What one detector achieved. scores: per trace, normal traces first, then attacks. */
    public record Result(String detector, Roc roc, Map<String, Double> detectionByKind, Map<String, Double> aucByKind,
                         double fitSeconds, double scoreSeconds, List<Trace> traces, List<SequenceScore> scores) {
        public double detectionAt(double rate) { return roc.detectionAt(rate); }
    }

    private Evaluation() {}

    public static Result run(TraceDataset data, SequenceDetector detector, Consumer<String> progress) {
        List<int[]> train = data.train().stream().map(Trace::calls).toList();
        progress.accept("fitting " + detector.name() + " on " + train.size() + " training traces");
        long t0 = System.nanoTime();
        detector.fit(train);
        double fit = (System.nanoTime() - t0) / 1e9;
        List<Trace> all = new ArrayList<>(data.normal());
        all.addAll(data.attack());
        progress.accept(String.format("scoring %d traces with %s (fit took %.1f s)", all.size(), detector.name(), fit));
        t0 = System.nanoTime();
        List<SequenceScore> scores = detector.scoreAll(all.stream().map(Trace::calls).toList());
        double score = (System.nanoTime() - t0) / 1e9;
        return measure(detector.name(), all, scores, fit, score);
    }

    /** The metrics of scores for traces (normal and attack, in any order). */
    public static Result measure(String name, List<Trace> traces, List<SequenceScore> scores, double fit, double score) {
        if (traces.size() != scores.size()) throw new IllegalArgumentException("one score per trace");
        List<Double> normal = new ArrayList<>();
        Map<String, List<Double>> byKind = new LinkedHashMap<>();
        List<Double> attack = new ArrayList<>();
        for (int i = 0; i < traces.size(); i++) {
            double v = scores.get(i).score();
            if (traces.get(i).isAttack()) {
                attack.add(v);
                byKind.computeIfAbsent(traces.get(i).kind(), k -> new ArrayList<>()).add(v);
            } else {
                normal.add(v);
            }
        }
        double[] n = unbox(normal);
        Roc roc = Roc.of(n, unbox(attack));
        double threshold = roc.thresholdAt(KIND_RATE);
        Map<String, Double> det = new java.util.TreeMap<>(), auc = new java.util.TreeMap<>();
        byKind.forEach((k, v) -> {
            det.put(k, v.stream().filter(x -> x >= threshold).count() / (double) v.size());
            auc.put(k, Roc.of(n, unbox(v)).auc());
        });
        return new Result(name, roc, det, auc, fit, score, List.copyOf(traces), List.copyOf(scores));
    }

    private static double[] unbox(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
