package dev.vigil.detect.autoencoder;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.vigil.detect.Score;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AutoencoderTest {
    /** Synthetic "normal" samples: a fixed set of active syscalls with small, noisy rates. */
    static double[][] normal(int n, int width, long seed) {
        Random r = new Random(seed);
        int[] active = {0, 1, 3, 9, 39, 110, 228, 230, 257};
        double[][] out = new double[n][width];
        for (double[] row : out) for (int a : active) row[a] = 0.05 + 0.02 * r.nextGaussian();
        return out;
    }

    /** Clearly different: new syscalls appear at full rate (socket, connect, execve, clone). */
    static double[][] anomalous(int n, int width, long seed) {
        double[][] out = normal(n, width, seed);
        for (double[] row : out) {
            row[41] = 1.0;
            row[42] = 1.0;
            row[59] = 1.0;
            row[56] = 1.0;
        }
        return out;
    }

    @Test
    void separatesSyntheticNormalFromClearlyDifferentSamples() {
        int width = 512;
        var result = AutoencoderTrainer.train(normal(300, width, 1), new AutoencoderTrainer.Settings(30, 16, 0.1, 42), null);
        assertThat(result.heldOutSamples()).isEqualTo(30); // samples 0, 10, ..., 290
        assertThat(result.trainSamples()).isEqualTo(270);
        assertThat(result.threshold()).isPositive();
        Autoencoder ae = result.model();
        int falseAlarms = 0;
        for (double[] s : normal(200, width, 2)) if (ae.score(s, result.threshold(), 3).anomalous()) falseAlarms++;
        int detected = 0;
        for (double[] s : anomalous(200, width, 3)) {
            Score sc = ae.score(s, result.threshold(), 3);
            if (sc.anomalous()) detected++;
            assertThat(sc.top()).extracting(Score.Contribution::feature).containsAnyOf(41, 42, 56, 59);
        }
        assertThat(detected).isEqualTo(200);
        assertThat(falseAlarms).isLessThanOrEqualTo(10); // the threshold is the max of only 30 held-out errors
    }

    @Test
    void plainJavaForwardPassMatchesDjl() {
        Random r = new Random(7);
        int width = 64;
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(64).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(32).build())
                .add(Linear.builder().setUnits(64).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(64).build());
        try (Model model = Model.newInstance("t", "PyTorch"); NDManager m = NDManager.newBaseManager("PyTorch")) {
            model.setBlock(net);
            net.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, width));
            float[][] ws = new float[4][];
            float[][] bs = new float[4][];
            int wi = 0, bi = 0;
            for (var p : net.getParameters()) {
                if (p.getKey().endsWith("weight")) ws[wi++] = p.getValue().getArray().toFloatArray();
                else bs[bi++] = p.getValue().getArray().toFloatArray();
            }
            int[][] arch = Autoencoder.architecture(width);
            Dense.Activation[] acts = Autoencoder.activations();
            List<Dense> layers = new java.util.ArrayList<>();
            for (int l = 0; l < 4; l++) layers.add(new Dense(arch[l][0], arch[l][1], ws[l], bs[l], acts[l]));
            Autoencoder ae = new Autoencoder(layers);
            for (int t = 0; t < 20; t++) {
                double[] x = new double[width];
                float[] xf = new float[width];
                for (int i = 0; i < width; i++) xf[i] = (float) (x[i] = r.nextDouble());
                NDArray in = m.create(xf, new Shape(1, width));
                float[] djl = net.forward(new ParameterStore(m, false), new NDList(in), false).singletonOrThrow().toFloatArray();
                float[] java = ae.reconstruct(x);
                for (int i = 0; i < width; i++) assertThat((double) java[i]).isCloseTo(djl[i], within(1e-4));
            }
        }
    }

    @Test
    void topKIsTheLargestErrorsLargestFirst() {
        var top = Autoencoder.top(new double[] {0.1, 0.9, 0.3, 0.9, 0.05, 0.7}, 3);
        assertThat(top).extracting(Score.Contribution::feature).containsExactly(1, 3, 5);
        assertThat(Autoencoder.top(new double[] {0.2}, 3)).hasSize(1);
    }

    @Test
    void sameSeedSameModel() {
        double[][] data = normal(60, 512, 5);
        var a = AutoencoderTrainer.train(data, new AutoencoderTrainer.Settings(3, 8, 0.1, 9), null);
        var b = AutoencoderTrainer.train(data, new AutoencoderTrainer.Settings(3, 8, 0.1, 9), null);
        assertThat(a.threshold()).isEqualTo(b.threshold());
    }

    @Test
    void tooFewSamplesIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        AutoencoderTrainer.train(normal(5, 512, 1), new AutoencoderTrainer.Settings(1, 16, 0.1, 1), null))
                .hasMessage("need at least 10 samples to train, found 5");
    }
}
