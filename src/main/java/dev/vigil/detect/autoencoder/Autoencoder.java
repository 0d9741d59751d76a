package dev.vigil.detect.autoencoder;

import dev.vigil.detect.Score;
import dev.vigil.store.ModelFile;
import java.util.ArrayList;
import java.util.List;

/**
 * evilsocket's autoencoder as a plain-Java network for scoring: a stack of {@link Dense}
 * layers (512 -> 512 ReLU -> 256 -> 512 ReLU -> 512 linear). The error of a sample is
 * the sum of absolute reconstruction errors; the explanation is the features with the
 * largest error. Immutable and thread-safe (every call allocates its own buffers).
 * Trained by {@link AutoencoderTrainer}; stored by {@link dev.vigil.store.ModelFile}.
 */
public final class Autoencoder {
    private final List<Dense> layers;
    private final int width;

    public Autoencoder(List<Dense> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers");
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).in() != layers.get(i - 1).out()) throw new IllegalArgumentException("layer " + i + " does not fit");
        }
        if (layers.getFirst().in() != layers.getLast().out()) throw new IllegalArgumentException("output width differs from input");
        this.layers = List.copyOf(layers);
        this.width = layers.getFirst().in();
    }

    /** evilsocket's layer sizes for an input of width n. */
    public static int[][] architecture(int n) {
        return new int[][] {{n, n}, {n, n / 2}, {n / 2, n}, {n, n}};
    }

    public static Dense.Activation[] activations() {
        return new Dense.Activation[] {Dense.Activation.RELU, Dense.Activation.LINEAR, Dense.Activation.RELU, Dense.Activation.LINEAR};
    }

    public List<Dense> layers() { return layers; }

    /** The network of a stored model. */
    public static Autoencoder from(List<ModelFile.Layer> stored) {
        List<Dense> out = new ArrayList<>();
        for (ModelFile.Layer l : stored) {
            out.add(new Dense(l.in(), l.out(), l.weight(), l.bias(), Dense.Activation.valueOf(l.activation().toUpperCase())));
        }
        return new Autoencoder(out);
    }

    /** The layers as a model file stores them. */
    public List<ModelFile.Layer> toStored() {
        List<ModelFile.Layer> out = new ArrayList<>();
        for (Dense d : layers) out.add(new ModelFile.Layer(d.in(), d.out(), d.activation().name().toLowerCase(), d.weight(), d.bias()));
        return out;
    }

    public int width() { return width; }

    /** The reconstruction of x. */
    public float[] reconstruct(double[] x) {
        float[] cur = new float[width];
        for (int i = 0; i < width; i++) cur[i] = (float) x[i];
        for (Dense d : layers) {
            float[] next = new float[d.out()];
            d.forward(cur, next);
            cur = next;
        }
        return cur;
    }

    /** Per-feature absolute reconstruction errors into perFeature; returns their sum. */
    public double errors(double[] x, double[] perFeature) {
        if (x.length != width) throw new IllegalArgumentException("sample of " + x.length + " features, model has " + width);
        float[] y = reconstruct(x);
        double sum = 0;
        for (int i = 0; i < width; i++) {
            double e = Math.abs((float) x[i] - y[i]);
            perFeature[i] = e;
            sum += e;
        }
        return sum;
    }

    /** The error of x, judged against threshold, with the k features of largest error. */
    public Score score(double[] x, double threshold, int k) {
        double[] per = new double[width];
        double err = errors(x, per);
        return new Score(err, threshold, top(per, k));
    }

    /** Indices of the k largest values, largest first (ties: lower index first). */
    static List<Score.Contribution> top(double[] values, int k) {
        int[] idx = new int[Math.min(k, values.length)];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            int pos = n;
            while (pos > 0 && values[idx[pos - 1]] < values[i]) pos--;
            if (pos >= idx.length) continue;
            int end = Math.min(n, idx.length - 1);
            System.arraycopy(idx, pos, idx, pos + 1, end - pos);
            idx[pos] = i;
            if (n < idx.length) n++;
        }
        List<Score.Contribution> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new Score.Contribution(idx[i], values[idx[i]]));
        return out;
    }
}
