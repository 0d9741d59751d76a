package dev.vigil.detect.autoencoder;

import dev.vigil.detect.CallVocabulary;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import java.util.ArrayList;
import java.util.List;

/**
 * evilsocket's autoencoder fed from traces: each window of {@code window} calls (every
 * {@code stride} calls; a shorter trace is one window) becomes the frequency of each call
 * in it, over the calls seen in training plus one slot for all others, and the autoencoder
 * (same layers, same trainer, same threshold rule as {@code vigil train}) learns to
 * reconstruct normal windows. A trace's score is its largest window error divided by the
 * threshold; the explanation is that window. Thread-safe after fit.
 */
public final class FrequencyWindowDetector implements SequenceDetector {
    private final int window;
    private final int stride;
    private final AutoencoderTrainer.Settings settings;
    private CallVocabulary vocabulary;
    private int width;
    private Autoencoder model;
    private double threshold;

    public FrequencyWindowDetector(int window, int stride, AutoencoderTrainer.Settings settings) {
        if (window < 1 || stride < 1) throw new IllegalArgumentException("window and stride must be positive");
        this.window = window;
        this.stride = stride;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "autoencoder window=" + window + " stride=" + stride + " epochs=" + settings.epochs();
    }

    public double threshold() { return threshold; }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        vocabulary.write(out);
        out.writeDouble(threshold);
        List<dev.vigil.store.ModelFile.Layer> layers = model.toStored();
        out.writeInt(layers.size());
        for (dev.vigil.store.ModelFile.Layer l : layers) {
            out.writeInt(l.in());
            out.writeInt(l.out());
            out.writeUTF(l.activation());
            for (float v : l.weight()) out.writeFloat(v);
            for (float v : l.bias()) out.writeFloat(v);
        }
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        vocabulary = CallVocabulary.read(in);
        width = vocabulary.width();
        threshold = in.readDouble();
        List<dev.vigil.store.ModelFile.Layer> layers = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            int i = in.readInt(), o = in.readInt();
            String act = in.readUTF();
            if (i < 1 || o < 1 || (long) i * o > 1 << 26) throw new java.io.IOException("bad layer " + i + "x" + o);
            float[] w = new float[i * o], b = new float[o];
            for (int k = 0; k < w.length; k++) w[k] = in.readFloat();
            for (int k = 0; k < b.length; k++) b[k] = in.readFloat();
            layers.add(new dev.vigil.store.ModelFile.Layer(i, o, act, w, b));
        }
        model = Autoencoder.from(layers);
        if (model.width() != width) throw new java.io.IOException("saved autoencoder is " + model.width() + " wide, its vocabulary " + width);
    }

    @Override
    public void fit(List<int[]> normal) {
        vocabulary = CallVocabulary.of(normal);
        width = vocabulary.width();
        List<double[]> samples = new ArrayList<>();
        for (int[] t : normal) for (int from : starts(t.length)) samples.add(features(t, from));
        AutoencoderTrainer.Result r = AutoencoderTrainer.train(samples.toArray(double[][]::new), settings, null);
        model = r.model();
        threshold = r.threshold();
    }

    private int[] starts(int length) {
        if (length <= window) return new int[] {0};
        int count = (length - window) / stride + 1;
        int[] s = new int[count + ((length - window) % stride == 0 ? 0 : 1)];
        for (int i = 0; i < count; i++) s[i] = i * stride;
        if (s.length > count) s[count] = length - window;
        return s;
    }

    double[] features(int[] t, int from) {
        double[] f = new double[width];
        int to = Math.min(t.length, from + window);
        for (int i = from; i < to; i++) f[vocabulary.index(t[i])]++;
        int n = to - from;
        if (n > 0) for (int i = 0; i < width; i++) f[i] /= n;
        return f;
    }

    @Override
    public SequenceScore score(int[] t) {
        if (t.length == 0) return SequenceScore.of(0);
        double[] per = new double[width];
        double best = -1;
        int at = 0;
        for (int from : starts(t.length)) {
            double e = model.errors(features(t, from), per);
            if (e > best) {
                best = e;
                at = from;
            }
        }
        return new SequenceScore(best / threshold, at, Math.min(window, t.length - at));
    }
}
