package dev.vigil.follow;

import dev.vigil.detect.autoencoder.Autoencoder;
import dev.vigil.sensor.SyscallHistogramSensor;
import dev.vigil.store.ModelFile;
import dev.vigil.syscall.SyscallTable;
import java.io.IOException;
import java.nio.file.Path;

/** An autoencoder model file checked against what this machine's `run` produces (features, width, architecture). */
public record LoadedModel(ModelFile.Stored stored, Autoencoder autoencoder) {
    public static LoadedModel load(Path file) throws IOException {
        ModelFile.Stored m = ModelFile.read(file);
        if (!"autoencoder".equals(m.kind())) {
            throw new ModelFile.InvalidModelException(file + ": a " + m.kind() + " model; run needs an autoencoder model");
        }
        if (!ModelFile.FeatureSpec.RATE_OF_CHANGE.equals(m.feature().name()) || m.feature().width() != SyscallHistogramSensor.MAX_SYSCALLS) {
            throw new ModelFile.InvalidModelException(file + ": model features are " + m.feature().name() + " x" + m.feature().width()
                    + "; run produces " + ModelFile.FeatureSpec.RATE_OF_CHANGE + " x" + SyscallHistogramSensor.MAX_SYSCALLS);
        }
        if (!SyscallTable.hostArch().equals(m.syscallArch())) {
            throw new ModelFile.InvalidModelException(file + ": model was trained on " + m.syscallArch()
                    + " syscall numbers; this machine is " + SyscallTable.hostArch());
        }
        return new LoadedModel(m, Autoencoder.from(m.layers()));
    }
}
