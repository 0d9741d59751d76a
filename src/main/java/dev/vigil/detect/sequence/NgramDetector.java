package dev.vigil.detect.sequence;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A system-call language model as a detector: a trace's score is its mean surprise per
 * call (-ln P(call | the n-1 before)) under a Kneser-Ney n-gram model of normal traces,
 * the score Kim et al. (2016) use with an LSTM. Unless fixed, the order and discount are
 * chosen on normal data only: the training traces are split (seeded, 80/20 by trace), the
 * setting with the lowest held-out surprise wins, and the model is refit on all of them.
 * The explanation is the window of n calls ending at the most surprising call.
 * With a frame F, the score is instead the largest mean surprise over F consecutive calls
 * (pH's locality frame is 128): a short burst inside a long, otherwise normal trace is not
 * averaged away; a trace shorter than F scores its mean. The explanation is that frame.
 * Thread-safe after fit.
 */
public final class NgramDetector implements SequenceDetector {
    public static final int[] ORDERS = {2, 3, 4, 5, 6, 7, 8, 10, 12};
    public static final double[] DISCOUNTS = {0.5, 0.7, 0.85, 0.95};

    private final Integer fixedOrder;
    private final int frame;
    private final Double fixedDiscount;
    private final long seed;
    private NgramLanguageModel model;
    private final List<String> selection = new ArrayList<>();

    /** order or discount null: chosen on a split of the training traces. */
    public NgramDetector(Integer order, Double discount, long seed) {
        this(order, discount, 0, seed);
    }

    /** frame 0: the whole trace's mean surprise; otherwise the worst frame of that many calls. */
    public NgramDetector(Integer order, Double discount, int frame, long seed) {
        if (frame < 0) throw new IllegalArgumentException("frame must be 0 (whole trace) or positive");
        this.frame = frame;
        this.fixedOrder = order;
        this.fixedDiscount = discount;
        this.seed = seed;
    }

    @Override
    public String name() {
        String f = frame > 0 ? " frame=" + frame : "";
        if (model == null) return "ngram-lm" + f;
        return "ngram-lm n=" + model.order() + " D=" + model.discount() + f;
    }

    /** How each candidate setting did on the held-out normal traces. */
    public List<String> selection() { return selection; }

    public NgramLanguageModel model() { return model; }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(selection.size());
        for (String s : selection) out.writeUTF(s);
        model.write(out);
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        selection.clear();
        for (int i = in.readInt(); i > 0; i--) selection.add(in.readUTF());
        NgramLanguageModel m = NgramLanguageModel.read(in);
        if (fixedOrder != null && m.order() != fixedOrder || fixedDiscount != null && m.discount() != fixedDiscount) {
            throw new java.io.IOException("saved n-gram model n=" + m.order() + " D=" + m.discount() + " does not match this detector's settings");
        }
        model = m;
    }

    @Override
    public void fit(List<int[]> normal) {
        int bestOrder = fixedOrder == null ? 0 : fixedOrder;
        double bestDiscount = fixedDiscount == null ? 0 : fixedDiscount;
        if (fixedOrder == null || fixedDiscount == null) {
            List<int[]> shuffled = new ArrayList<>(normal);
            Collections.shuffle(shuffled, new Random(seed));
            int cut = (int) Math.round(shuffled.size() * 0.8);
            List<int[]> fitPart = shuffled.subList(0, cut), heldOut = shuffled.subList(cut, shuffled.size());
            double best = Double.POSITIVE_INFINITY;
            for (int n : fixedOrder == null ? ORDERS : new int[] {fixedOrder}) {
                for (double d : fixedDiscount == null ? DISCOUNTS : new double[] {fixedDiscount}) {
                    NgramLanguageModel m = new NgramLanguageModel(n, d);
                    m.fit(fitPart);
                    double s = m.meanSurprise(heldOut);
                    selection.add(String.format("n=%d D=%.2f held-out surprise %.4f nats/call", n, d, s));
                    if (s < best) {
                        best = s;
                        bestOrder = n;
                        bestDiscount = d;
                    }
                }
            }
        }
        model = new NgramLanguageModel(bestOrder, bestDiscount);
        model.fit(normal);
    }

    @Override
    public SequenceScore score(int[] calls) {
        if (calls.length == 0) return SequenceScore.of(0);
        double[] s = model.surprise(calls);
        if (frame > 0 && s.length > frame) {
            double window = 0, best = Double.NEGATIVE_INFINITY;
            int bestFrom = 0;
            for (int i = 0; i < s.length; i++) {
                window += s[i];
                if (i >= frame) window -= s[i - frame];
                if (i >= frame - 1 && window > best) {
                    best = window;
                    bestFrom = i - frame + 1;
                }
            }
            return new SequenceScore(best / frame, bestFrom, frame);
        }
        double sum = 0;
        int worst = 0;
        for (int i = 0; i < s.length; i++) {
            sum += s[i];
            if (s[i] > s[worst]) worst = i;
        }
        int from = Math.max(0, worst - model.order() + 1);
        return new SequenceScore(sum / s.length, from, worst - from + 1);
    }
}
