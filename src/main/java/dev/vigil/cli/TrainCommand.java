package dev.vigil.cli;

import dev.vigil.detect.autoencoder.AutoencoderTrainer;
import dev.vigil.follow.HistogramSampler;
import dev.vigil.store.ModelFile;
import dev.vigil.trace.ActivityCsv;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the autoencoder on an activity CSV.",
                "10 %% of the samples are held out; the threshold is the largest held-out reconstruction error."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "activity.csv", description = "Activity CSV (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--model", defaultValue = "model.vigil", description = "Model file to write (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--epochs", defaultValue = "200", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed of the split and the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    /** The model file record of a trained autoencoder (intervalMs 0: not known from a CSV). */
    @Override
    public Integer call() throws Exception {
        if (epochs < 1) throw new UserError(ExitCodes.USAGE, "--epochs must be at least 1");
        if (batchSize < 1) throw new UserError(ExitCodes.USAGE, "--batch-size must be at least 1");
        ActivityCsv.Data d = ActivityCsv.read(data);
        if (d.width() != HistogramSampler.WIDTH) {
            throw new UserError(ExitCodes.BAD_INPUT, data + " has " + d.width() + " syscall columns; vigil's histogram has "
                    + HistogramSampler.WIDTH);
        }
        if (d.samples().size() < AutoencoderTrainer.MIN_SAMPLES) {
            throw new UserError(ExitCodes.BAD_INPUT, data + " has " + d.samples().size() + " samples; training needs at least "
                    + AutoencoderTrainer.MIN_SAMPLES + " (learn for longer)");
        }
        if (d.droppedTruncatedLastRow()) System.err.println("vigil: ignoring the incomplete last row of " + data);
        var settings = new AutoencoderTrainer.Settings(epochs, batchSize, 0.1, seed);
        System.out.printf("training on %d samples of %s (%d epochs, batch %d) ...%n", d.samples().size(), data, epochs, batchSize);
        AutoencoderTrainer.Result r;
        if (quiet) {
            r = AutoencoderTrainer.train(d.matrix(), settings, null);
        } else {
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("train").setInitialMax(epochs)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).continuousUpdate().build()) {
                r = AutoencoderTrainer.train(d.matrix(), settings, (e, total, loss, held) -> {
                    pb.stepTo(e);
                    pb.setExtraMessage(String.format(Locale.ROOT, " loss %.6f held-out %.6f", loss, held));
                });
            }
        }
        ModelFile.write(model, r.stored(settings, data.getFileName().toString(), 0));
        System.out.printf(Locale.ROOT, "model saved to %s, %d samples held out, error threshold=%f (%.1f s)%n",
                model, r.heldOutSamples(), r.threshold(), r.seconds());
        return ExitCodes.OK;
    }
}
