package dev.vigil.detect.neural;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.L2Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import dev.vigil.syscall.SyscallMapping;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A system-call language model with a GRU (in the spirit of Kim et al. 2016, "LSTM-based
 * system-call language modeling"), trained with DJL on PyTorch (CPU, offline). Each trace
 * is one sequence starting from a start marker; the network predicts every call from all
 * the calls before it. A trace's score is its mean surprise per call (-ln P). The number of
 * epochs is chosen on normal data only: 20 % of the training traces (seeded) are held out
 * and training stops when their surprise has not improved for {@code patience} epochs;
 * the best epoch's weights are kept. The explanation is the most surprising call with the
 * calls before it. Scoring is batched and serialised (one DJL model); call {@link #close}.
 */
public final class GruLanguageModel implements SequenceDetector {
    public record Settings(int hidden, int layers, int maxEpochs, int patience, int batch, long seed) {
        public Settings {
            if (hidden < 1 || layers < 1 || maxEpochs < 1 || patience < 1 || batch < 1) {
                throw new IllegalArgumentException("GRU settings must be positive");
            }
        }
    }

    private static final int START = 0, UNKNOWN = 1;
    private final Settings s;
    private final int[] index = new int[SyscallMapping.TOKEN_LIMIT];
    private int vocabulary;
    private Model model;
    private Trainer trainer;
    private int bestEpoch;
    private final List<double[]> curve = new ArrayList<>();

    public GruLanguageModel(Settings settings) { this.s = settings; }

    @Override
    public String name() {
        return "gru-lm hidden=" + s.hidden() + " layers=" + s.layers() + (bestEpoch > 0 ? " epochs=" + bestEpoch : "");
    }

    /** Per epoch: {epoch, training surprise, held-out surprise}. */
    public List<double[]> curve() { return curve; }

    @Override
    public synchronized void fit(List<int[]> normal) {
        Arrays.fill(index, UNKNOWN);
        vocabulary = 2;
        for (int[] t : normal) for (int c : t) if (index[c] == UNKNOWN) index[c] = vocabulary++;
        List<int[]> shuffled = new ArrayList<>(normal);
        Random rnd = new Random(s.seed());
        Collections.shuffle(shuffled, rnd);
        int cut = (int) Math.round(shuffled.size() * 0.8);
        List<int[]> fitPart = shuffled.subList(0, cut), heldOut = shuffled.subList(cut, shuffled.size());

        SequentialBlock net = build();

        List<List<int[]>> batches = batches(fitPart, s.batch());
        double best = Double.POSITIVE_INFINITY;
        float[][] bestWeights = null;
        int sinceBest = 0;
        for (int epoch = 1; epoch <= s.maxEpochs() && sinceBest < s.patience(); epoch++) {
            Collections.shuffle(batches, rnd);
            double sum = 0;
            long n = 0;
            for (List<int[]> b : batches) {
                try (NDManager m = trainer.getManager().newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                    Batch x = encode(m, b);
                    NDArray logits = trainer.forward(new NDList(x.input)).singletonOrThrow();
                    NDArray nll = logits.logSoftmax(-1).gather(x.target.expandDims(-1), -1).squeeze(-1).neg().mul(x.mask);
                    NDArray loss = nll.sum().div(x.count);
                    gc.backward(loss);
                    sum += loss.getFloat() * x.count;
                    n += x.count;
                }
                trainer.step();
            }
            double held = meanSurprise(heldOut);
            curve.add(new double[] {epoch, sum / n, held});
            if (held < best - 1e-4) {
                best = held;
                bestEpoch = epoch;
                bestWeights = weights(net);
                sinceBest = 0;
            } else {
                sinceBest++;
            }
        }
        restore(net, bestWeights);
    }

    private record Batch(NDArray input, NDArray target, NDArray mask, long count) {}

    private Batch encode(NDManager m, List<int[]> b) {
        int len = 1;
        for (int[] t : b) len = Math.max(len, t.length);
        float[] in = new float[b.size() * len * vocabulary];
        long[] tg = new long[b.size() * len];
        float[] mask = new float[b.size() * len];
        long count = 0;
        for (int i = 0; i < b.size(); i++) {
            int[] t = b.get(i);
            for (int j = 0; j < t.length; j++) {
                in[(i * len + j) * vocabulary + (j == 0 ? START : index[t[j - 1]])] = 1;
                tg[i * len + j] = index[t[j]];
                mask[i * len + j] = 1;
            }
            count += t.length;
        }
        Shape shape = new Shape(b.size(), len);
        NDArray input = m.create(in, new Shape(b.size(), len, vocabulary));
        return new Batch(input, m.create(tg, shape), m.create(mask, shape), count);
    }

    /** Traces sorted by length, grouped so a batch pads little. */
    private static List<List<int[]>> batches(List<int[]> traces, int size) {
        List<int[]> sorted = new ArrayList<>(traces);
        sorted.removeIf(t -> t.length == 0);
        sorted.sort(Comparator.comparingInt(t -> t.length));
        List<List<int[]>> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i += size) out.add(new ArrayList<>(sorted.subList(i, Math.min(sorted.size(), i + size))));
        return out;
    }

    private double meanSurprise(List<int[]> traces) {
        double sum = 0;
        long n = 0;
        for (double[] per : surprises(traces)) {
            for (double v : per) sum += v;
            n += per.length;
        }
        return sum / Math.max(1, n);
    }

    /** -ln P of every call of every trace, in the order given. */
    public synchronized List<double[]> surprises(List<int[]> traces) {
        Integer[] order = new Integer[traces.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> traces.get(i).length));
        double[][] out = new double[traces.size()][];
        for (int b0 = 0, b1; b0 < order.length; b0 = b1) {
            // up to 64 traces and about 2^17 padded calls per batch (longest last)
            b1 = b0 + 1;
            while (b1 < order.length && b1 - b0 < 64 && (long) (b1 - b0 + 1) * traces.get(order[b1]).length <= 1 << 17) b1++;
            List<int[]> b = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (int k = b0; k < b1; k++) {
                if (traces.get(order[k]).length == 0) {
                    out[order[k]] = new double[0];
                    continue;
                }
                b.add(traces.get(order[k]));
                ids.add(order[k]);
            }
            if (b.isEmpty()) continue;
            try (NDManager m = trainer.getManager().newSubManager()) {
                Batch x = encode(m, b);
                NDArray logits = trainer.evaluate(new NDList(x.input)).singletonOrThrow();
                NDArray nll = logits.logSoftmax(-1).gather(x.target.expandDims(-1), -1).squeeze(-1).neg();
                float[] v = nll.toFloatArray();
                int len = (int) nll.getShape().get(1);
                for (int i = 0; i < b.size(); i++) {
                    double[] per = new double[b.get(i).length];
                    for (int j = 0; j < per.length; j++) per[j] = v[i * len + j];
                    out[ids.get(i)] = per;
                }
            }
        }
        return Arrays.asList(out);
    }

    @Override
    public SequenceScore score(int[] calls) {
        return scoreAll(List.of(calls)).getFirst();
    }

    @Override
    public List<SequenceScore> scoreAll(List<int[]> traces) {
        List<SequenceScore> out = new ArrayList<>(traces.size());
        for (double[] per : surprises(traces)) {
            if (per.length == 0) {
                out.add(SequenceScore.of(0));
                continue;
            }
            double sum = 0;
            int worst = 0;
            for (int i = 0; i < per.length; i++) {
                sum += per[i];
                if (per[i] > per[worst]) worst = i;
            }
            int from = Math.max(0, worst - 8);
            out.add(new SequenceScore(sum / per.length, from, worst - from + 1));
        }
        return out;
    }

    /** The network for the current vocabulary, its model and trainer, initialised from the seed. */
    private SequentialBlock build() {
        Engine.getEngine("PyTorch").setRandomSeed((int) s.seed());
        SequentialBlock net = new SequentialBlock()
                .add(GRU.builder().setStateSize(s.hidden()).setNumLayers(s.layers()).optBatchFirst(true).optReturnState(false).build())
                .add(Linear.builder().setUnits(vocabulary).build());
        model = Model.newInstance("vigil-gru-lm", "PyTorch");
        model.setBlock(net);
        trainer = model.newTrainer(new DefaultTrainingConfig(new L2Loss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.003f)).optClipGrad(5f).build())
                .optDevices(new Device[] {Device.cpu()}));
        trainer.initialize(new Shape(1, 1, vocabulary));
        return net;
    }

    @Override
    public synchronized void save(java.io.DataOutputStream out) throws java.io.IOException {
        if (model == null) throw new IllegalStateException("fit first");
        out.writeInt(vocabulary);
        for (int i : index) out.writeInt(i);
        out.writeInt(bestEpoch);
        out.writeInt(curve.size());
        for (double[] c : curve) for (double v : c) out.writeDouble(v);
        float[][] w = weights((SequentialBlock) model.getBlock());
        out.writeInt(w.length);
        for (float[] a : w) {
            out.writeInt(a.length);
            for (float v : a) out.writeFloat(v);
        }
    }

    @Override
    public synchronized void load(java.io.DataInputStream in) throws java.io.IOException {
        vocabulary = in.readInt();
        if (vocabulary < 2 || vocabulary > index.length + 2) throw new java.io.IOException("bad GRU vocabulary " + vocabulary);
        for (int i = 0; i < index.length; i++) index[i] = in.readInt();
        bestEpoch = in.readInt();
        curve.clear();
        for (int n = in.readInt(); n > 0; n--) curve.add(new double[] {in.readDouble(), in.readDouble(), in.readDouble()});
        float[][] w = new float[in.readInt()][];
        for (int i = 0; i < w.length; i++) {
            int len = in.readInt();
            if (len < 0 || len > 1 << 28) throw new java.io.IOException("bad GRU tensor of " + len + " values");
            w[i] = new float[len];
            for (int j = 0; j < len; j++) w[i][j] = in.readFloat();
        }
        close();
        SequentialBlock net = build();
        if (net.getParameters().size() != w.length) throw new java.io.IOException("saved GRU has " + w.length + " tensors, this one " + net.getParameters().size());
        int i = 0;
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (p.getValue().getArray().size() != w[i++].length) throw new java.io.IOException("saved GRU tensor " + p.getKey() + " does not fit (other hidden size or layers?)");
        }
        restore(net, w);
    }

    private static float[][] weights(SequentialBlock net) {
        List<float[]> w = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) w.add(p.getValue().getArray().toFloatArray());
        return w.toArray(float[][]::new);
    }

    private static void restore(SequentialBlock net, float[][] w) {
        if (w == null) return;
        int i = 0;
        for (Pair<String, Parameter> p : net.getParameters()) p.getValue().getArray().set(FloatBuffer.wrap(w[i++]));
    }

    @Override
    public synchronized void close() {
        if (trainer != null) trainer.close();
        if (model != null) model.close();
        trainer = null;
        model = null;
    }
}
