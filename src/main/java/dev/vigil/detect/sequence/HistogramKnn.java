package dev.vigil.detect.sequence;

import dev.vigil.detect.CallVocabulary;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import java.util.Arrays;
import java.util.List;

/**
 * Nearest-neighbour distance between call-frequency histograms: a trace is the frequency
 * of each call in it (over the calls seen in training plus one slot for all others), and
 * its score is the Hellinger distance to the k-th closest training trace. Order-blind, so
 * it sees what a program does rather than in which order. Thread-safe after fit.
 */
public final class HistogramKnn implements SequenceDetector {
    private final int k;
    private CallVocabulary vocabulary;
    private int width;
    private float[][] train;

    public HistogramKnn(int k) {
        if (k < 1) throw new IllegalArgumentException("knn k must be at least 1");
        this.k = k;
    }

    @Override public String name() { return "knn k=" + k + " hellinger"; }

    @Override
    public void fit(List<int[]> normal) {
        vocabulary = CallVocabulary.of(normal);
        width = vocabulary.width();
        train = normal.stream().filter(t -> t.length > 0).map(this::rootFrequencies).toArray(float[][]::new);
        if (train.length < k) throw new IllegalArgumentException("knn needs at least " + k + " non-empty training traces");
    }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        vocabulary.write(out);
        out.writeInt(train.length);
        for (float[] row : train) for (float v : row) out.writeFloat(v);
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        vocabulary = CallVocabulary.read(in);
        width = vocabulary.width();
        int rows = in.readInt();
        if (rows < k) throw new java.io.IOException("saved knn has " + rows + " training traces, fewer than k=" + k);
        train = new float[rows][width];
        for (float[] row : train) for (int i = 0; i < width; i++) row[i] = in.readFloat();
    }

    private float[] rootFrequencies(int[] t) {
        float[] f = new float[width];
        for (int c : t) f[vocabulary.index(c)]++;
        for (int i = 0; i < width; i++) f[i] = (float) Math.sqrt(f[i] / t.length);
        return f;
    }

    @Override
    public SequenceScore score(int[] t) {
        if (t.length == 0) return SequenceScore.of(0);
        float[] x = rootFrequencies(t);
        double[] best = new double[k];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        for (float[] y : train) {
            double d = 0;
            for (int i = 0; i < width; i++) {
                double diff = x[i] - y[i];
                d += diff * diff;
            }
            if (d < best[k - 1]) {
                int p = k - 1;
                while (p > 0 && best[p - 1] > d) {
                    best[p] = best[p - 1];
                    p--;
                }
                best[p] = d;
            }
        }
        return new SequenceScore(Math.sqrt(best[k - 1] / 2), 0, t.length);
    }
}
