package dev.vigil.detect.neural;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import dev.vigil.detect.sequence.NgramDetector;
import dev.vigil.detect.sequence.NgramLanguageModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A mixture of two system-call language models, P = w P_ngram + (1 - w) P_gru, the usual
 * way to combine an n-gram and a neural LM. Everything is chosen on normal data only: the
 * training traces are split (seeded, 80/20 by trace, the same split the GRU uses for early
 * stopping); the n-gram's order and discount and then the weight w are those with the
 * lowest held-out surprise. The n-gram is then refit on all training traces; the GRU keeps
 * its early-stopped weights. A trace's score is its mean surprise per call under the
 * mixture; the explanation is the window ending at the most surprising call. Thread-safe
 * after fit (scoring is serialised by the GRU).
 */
public final class MixtureLanguageModel implements SequenceDetector {
    static final double[] WEIGHTS = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1};

    private final GruLanguageModel gru;
    private final long seed;
    private NgramLanguageModel ngram;
    private double weight = Double.NaN;
    private final List<String> selection = new ArrayList<>();

    public MixtureLanguageModel(GruLanguageModel.Settings gruSettings) {
        this.gru = new GruLanguageModel(gruSettings);
        this.seed = gruSettings.seed();
    }

    @Override
    public String name() {
        if (ngram == null) return "mix-lm";
        return String.format(java.util.Locale.ROOT, "mix-lm %.1f x ngram n=%d + %.1f x %s", weight, ngram.order(), 1 - weight, gru.name());
    }

    /** The held-out surprise of each weight tried. */
    public List<String> selection() { return selection; }

    public double weight() { return weight; }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeDouble(weight);
        out.writeInt(selection.size());
        for (String x : selection) out.writeUTF(x);
        ngram.write(out);
        gru.save(out);
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        weight = in.readDouble();
        selection.clear();
        for (int n = in.readInt(); n > 0; n--) selection.add(in.readUTF());
        ngram = NgramLanguageModel.read(in);
        gru.load(in);
    }

    @Override
    public void fit(List<int[]> normal) {
        List<int[]> shuffled = new ArrayList<>(normal);
        Collections.shuffle(shuffled, new Random(seed));
        int cut = (int) Math.round(shuffled.size() * 0.8);
        List<int[]> fitPart = shuffled.subList(0, cut), heldOut = shuffled.subList(cut, shuffled.size());

        NgramDetector chooser = new NgramDetector(null, null, seed);
        chooser.fit(normal); // picks order and discount on the same split
        NgramLanguageModel part = new NgramLanguageModel(chooser.model().order(), chooser.model().discount());
        part.fit(fitPart);
        gru.fit(normal);

        List<double[]> g = gru.surprises(heldOut);
        double best = Double.POSITIVE_INFINITY;
        for (double w : WEIGHTS) {
            double sum = 0;
            long n = 0;
            for (int i = 0; i < heldOut.size(); i++) {
                double[] a = part.surprise(heldOut.get(i)), b = g.get(i);
                for (int j = 0; j < a.length; j++) sum += mix(w, a[j], b[j]);
                n += a.length;
            }
            double s = sum / Math.max(1, n);
            selection.add(String.format(java.util.Locale.ROOT, "w=%.1f held-out surprise %.4f nats/call", w, s));
            if (s < best - 1e-9) {
                best = s;
                weight = w;
            }
        }
        ngram = chooser.model();
    }

    /** For tests: {@link #mix}. */
    public static double mixForTest(double w, double a, double b) { return mix(w, a, b); }

    /** -ln(w e^-a + (1-w) e^-b), computed stably. */
    static double mix(double w, double a, double b) {
        if (w <= 0) return b;
        if (w >= 1) return a;
        double la = Math.log(w) - a, lb = Math.log(1 - w) - b, m = Math.max(la, lb);
        return -(m + Math.log(Math.exp(la - m) + Math.exp(lb - m)));
    }

    @Override
    public SequenceScore score(int[] calls) {
        return scoreAll(List.of(calls)).getFirst();
    }

    @Override
    public List<SequenceScore> scoreAll(List<int[]> traces) {
        List<double[]> g = gru.surprises(traces);
        List<SequenceScore> out = new ArrayList<>(traces.size());
        for (int i = 0; i < traces.size(); i++) {
            int[] t = traces.get(i);
            if (t.length == 0) {
                out.add(SequenceScore.of(0));
                continue;
            }
            double[] a = ngram.surprise(t), b = g.get(i);
            double sum = 0, worstValue = Double.NEGATIVE_INFINITY;
            int worst = 0;
            for (int j = 0; j < t.length; j++) {
                double s = mix(weight, a[j], b[j]);
                sum += s;
                if (s > worstValue) {
                    worstValue = s;
                    worst = j;
                }
            }
            int from = Math.max(0, worst - ngram.order() + 1);
            out.add(new SequenceScore(sum / t.length, from, worst - from + 1));
        }
        return out;
    }

    @Override
    public void close() {
        gru.close();
    }
}
