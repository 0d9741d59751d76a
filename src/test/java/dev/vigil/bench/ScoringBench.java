package dev.vigil.bench;

import dev.vigil.detect.Score;
import dev.vigil.detect.autoencoder.Autoencoder;
import dev.vigil.detect.autoencoder.AutoencoderTrainer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Samples scored per second by run's model (512-wide autoencoder, plain Java forward pass). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true"})
public class ScoringBench {
    Autoencoder model;
    double[] sample;

    @Setup
    public void setup() {
        Random r = new Random(1);
        double[][] data = new double[200][512];
        for (double[] row : data) for (int i = 0; i < 20; i++) row[i * 7] = r.nextDouble() * 0.1;
        model = AutoencoderTrainer.train(data, new AutoencoderTrainer.Settings(2, 16, 0.1, 1), null).model();
        sample = data[3];
    }

    @Benchmark
    public Score scoreOneSample() {
        return model.score(sample, 1.0, 3);
    }
}
