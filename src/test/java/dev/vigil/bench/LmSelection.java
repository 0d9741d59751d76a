package dev.vigil.bench;

import dev.vigil.detect.neural.GruLanguageModel;
import dev.vigil.detect.sequence.NgramDetector;
import dev.vigil.trace.Trace;
import dev.vigil.trace.TraceDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chooses a system-call language model for ADFA-LD on normal data only: every candidate is
 * fit on the same seeded 80 % of Training_Data_Master and judged by its mean surprise per
 * call on the other 20 % (lower is a better model of normal behaviour). Validation and
 * attack traces are never read into a model. Candidates: "ngram" and "gru:HIDDEN:LAYERS".
 * Usage: bench/lm-selection.sh ZIP_OR_DIR [CANDIDATE ...]
 */
public final class LmSelection {
    public static void main(String[] args) throws Exception {
        TraceDataset d = TraceDataset.adfaLd(Path.of(args[0]));
        List<int[]> train = new ArrayList<>();
        for (Trace t : d.train()) train.add(t.calls());
        List<String> candidates = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("ngram", "gru:128:1");
        for (String c : candidates) {
            long t0 = System.nanoTime();
            String result;
            if (c.equals("ngram")) {
                NgramDetector n = new NgramDetector(null, null, 42);
                n.fit(train);
                result = n.selection().stream().min((a, b) -> Double.compare(value(a), value(b))).orElseThrow();
            } else {
                String[] p = c.split(":");
                try (GruLanguageModel g = new GruLanguageModel(new GruLanguageModel.Settings(Integer.parseInt(p[1]), Integer.parseInt(p[2]), 40, 3, 8, 42))) {
                    g.fit(train);
                    double best = g.curve().stream().mapToDouble(e -> e[2]).min().orElseThrow();
                    result = String.format(Locale.ROOT, "%s held-out surprise %.4f nats/call", g.name(), best);
                }
            }
            System.out.printf(Locale.ROOT, "%-12s %s (%.0f s)%n", c, result, (System.nanoTime() - t0) / 1e9);
        }
    }

    static double value(String line) {
        return Double.parseDouble(line.replaceAll(".*surprise ([0-9.]+).*", "$1"));
    }
}
