package dev.vigil.detect.autoencoder;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.L2Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Trains evilsocket's autoencoder with DJL on the PyTorch engine (CPU, offline: the
 * native library comes from the pytorch-native-cpu jar). Adam, MSE loss; 10 % of the
 * samples are held out (every 10th in recording order, from the first), and the threshold
 * is the largest held-out reconstruction error (sum of absolute errors), as the reference
 * does. Deterministic
 * for a given seed on one machine. Not thread-safe; one training at a time.
 */
public final class AutoencoderTrainer {
    /** Called after every epoch with the mean training loss and the held-out loss. */
    public interface EpochListener {
        void epoch(int epoch, int epochs, double trainLoss, double heldOutLoss);
    }

    public record Settings(int epochs, int batchSize, double heldOutFraction, long seed) {
        public Settings {
            if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1");
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1");
            if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new IllegalArgumentException("held-out fraction must be in (0,1)");
        }
    }

    public record Result(Autoencoder model, double threshold, int trainSamples, int heldOutSamples,
                         double finalTrainLoss, double finalHeldOutLoss, double seconds) {
        /** The model file of this training: the model, its threshold, the feature (rate of change every intervalMs) and how it was trained. */
        public dev.vigil.store.ModelFile.Stored stored(Settings s, String dataFile, int intervalMs) {
            var training = new dev.vigil.store.ModelFile.Training(trainSamples + heldOutSamples, heldOutSamples, s.epochs(), s.batchSize(),
                    s.seed(), finalTrainLoss, finalHeldOutLoss, seconds, dataFile);
            return new dev.vigil.store.ModelFile.Stored("autoencoder",
                    new dev.vigil.store.ModelFile.FeatureSpec(dev.vigil.store.ModelFile.FeatureSpec.RATE_OF_CHANGE, model.width(), intervalMs),
                    dev.vigil.syscall.SyscallTable.hostArch(), threshold, training, java.time.Instant.now().toString(), model.toStored());
        }
    }

    public static final int MIN_SAMPLES = 10;

    private AutoencoderTrainer() {}

    public static Result train(double[][] samples, Settings s, EpochListener listener) {
        if (samples.length < MIN_SAMPLES) {
            throw new IllegalArgumentException("need at least " + MIN_SAMPLES + " samples to train, found " + samples.length);
        }
        int n = samples[0].length;
        long start = System.nanoTime();
        // Hold out every k-th sample in recording order, starting with the first (k = 10 for
        // 10 %): the held-out set spans the whole recording, including its start, where the
        // rate of change is largest and which every `run` goes through again. A random split
        // rarely holds out the start and so sets the threshold below what run then sees.
        int stride = (int) Math.round(1 / s.heldOutFraction());
        int heldOut = (samples.length + stride - 1) / stride;
        int trainN = samples.length - heldOut;
        Integer[] order = new Integer[samples.length];
        int t = 0, h = trainN;
        for (int i = 0; i < samples.length; i++) order[i % stride == 0 ? h++ : t++] = i;
        Random rnd = new Random(s.seed());
        float[] train = flatten(samples, order, 0, trainN, n);
        float[] test = flatten(samples, order, trainN, samples.length, n);

        Engine.getEngine("PyTorch").setRandomSeed((int) s.seed());
        SequentialBlock net = new SequentialBlock();
        int[][] arch = Autoencoder.architecture(n);
        Dense.Activation[] acts = Autoencoder.activations();
        for (int l = 0; l < arch.length; l++) {
            net.add(Linear.builder().setUnits(arch[l][1]).build());
            if (acts[l] == Dense.Activation.RELU) net.add(Activation::relu);
        }
        double trainLoss = Double.NaN, testLoss = Double.NaN;
        try (Model model = Model.newInstance("vigil-autoencoder", "PyTorch")) {
            model.setBlock(net);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(new L2Loss("mse", 1f))
                    .optOptimizer(Optimizer.adam().build())
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(1, n));
                int[] idx = new int[trainN];
                for (int i = 0; i < trainN; i++) idx[i] = i;
                float[] batch = new float[s.batchSize() * n];
                for (int epoch = 1; epoch <= s.epochs(); epoch++) {
                    shuffle(idx, rnd);
                    double lossSum = 0;
                    for (int b0 = 0; b0 < trainN; b0 += s.batchSize()) {
                        int b = Math.min(s.batchSize(), trainN - b0);
                        for (int j = 0; j < b; j++) System.arraycopy(train, idx[b0 + j] * n, batch, j * n, n);
                        try (NDManager m = trainer.getManager().newSubManager()) {
                            NDArray x = m.create(Arrays.copyOf(batch, b * n), new Shape(b, n));
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                                NDArray loss = trainer.getLoss().evaluate(new NDList(x), new NDList(pred));
                                gc.backward(loss);
                                lossSum += loss.getFloat() * b;
                            }
                            trainer.step();
                        }
                    }
                    trainLoss = lossSum / trainN;
                    testLoss = mse(trainer, test, heldOut, n);
                    if (listener != null) listener.epoch(epoch, s.epochs(), trainLoss, testLoss);
                }
            }
            Autoencoder ae = new Autoencoder(extract(net, arch, acts));
            double threshold = 0;
            double[] per = new double[n];
            double[] row = new double[n];
            for (int i = 0; i < heldOut; i++) {
                for (int j = 0; j < n; j++) row[j] = test[i * n + j];
                threshold = Math.max(threshold, ae.errors(row, per));
            }
            return new Result(ae, threshold, trainN, heldOut, trainLoss, testLoss, (System.nanoTime() - start) / 1e9);
        }
    }

    private static double mse(Trainer trainer, float[] data, int rows, int n) {
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray x = m.create(data, new Shape(rows, n));
            NDArray pred = trainer.evaluate(new NDList(x)).singletonOrThrow();
            return trainer.getLoss().evaluate(new NDList(x), new NDList(pred)).getFloat();
        }
    }

    private static List<Dense> extract(SequentialBlock net, int[][] arch, Dense.Activation[] acts) {
        List<float[]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            float[] v = p.getValue().getArray().toFloatArray();
            if (p.getKey().endsWith("weight")) weights.add(v);
            else if (p.getKey().endsWith("bias")) biases.add(v);
        }
        List<Dense> layers = new ArrayList<>();
        for (int l = 0; l < arch.length; l++) {
            layers.add(new Dense(arch[l][0], arch[l][1], weights.get(l), biases.get(l), acts[l]));
        }
        return layers;
    }

    private static float[] flatten(double[][] samples, Integer[] order, int from, int to, int n) {
        float[] out = new float[(to - from) * n];
        for (int i = from; i < to; i++) {
            double[] row = samples[order[i]];
            if (row.length != n) throw new IllegalArgumentException("sample " + order[i] + " has " + row.length + " features, expected " + n);
            for (int j = 0; j < n; j++) out[(i - from) * n + j] = (float) row[j];
        }
        return out;
    }

    private static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
