package dev.vigil.bench;

import dev.vigil.detect.autoencoder.AutoencoderTrainer;
import java.util.Locale;
import java.util.Random;

/** Training seconds per epoch for 10,000 samples of 512 features at batch 16 and 256. */
public final class TrainingBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Random r = new Random(1);
        double[][] data = new double[n][512];
        for (double[] row : data) for (int i = 0; i < 30; i++) row[i * 13 % 512] = r.nextDouble() * 0.2;
        AutoencoderTrainer.train(data, new AutoencoderTrainer.Settings(1, 256, 0.1, 1), null); // warm-up
        for (int batch : new int[] {16, 256}) {
            long[] last = {System.nanoTime()};
            double[] total = {0};
            AutoencoderTrainer.train(data, new AutoencoderTrainer.Settings(epochs, batch, 0.1, 1), (e, all, loss, held) -> {
                long now = System.nanoTime();
                total[0] += (now - last[0]) / 1e9;
                last[0] = now;
            });
            System.out.printf(Locale.ROOT, "training, %d samples x 512, batch %3d: %.2f s/epoch (mean of %d epochs)%n",
                    n, batch, total[0] / epochs, epochs);
        }
    }
}
