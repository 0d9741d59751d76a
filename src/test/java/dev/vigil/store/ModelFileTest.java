package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir Path dir;

    static ModelFile.Stored sample() {
        Random r = new Random(1);
        int[][] arch = {{8, 8}, {8, 4}, {4, 8}, {8, 8}};
        String[] acts = {"relu", "linear", "relu", "linear"};
        List<ModelFile.Layer> layers = new java.util.ArrayList<>();
        for (int l = 0; l < 4; l++) {
            float[] w = new float[arch[l][0] * arch[l][1]];
            float[] b = new float[arch[l][1]];
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
            layers.add(new ModelFile.Layer(arch[l][0], arch[l][1], acts[l], w, b));
        }
        return new ModelFile.Stored("autoencoder", new ModelFile.FeatureSpec(ModelFile.FeatureSpec.RATE_OF_CHANGE, 8, 100),
                "x86_64", 1.25, new ModelFile.Training(100, 10, 5, 16, 42, 0.01, 0.02, 3.5, "a.csv"), "2026-11-21T00:00:00Z", layers);
    }

    @Test
    void roundTripKeepsEverything() throws IOException {
        Path f = dir.resolve("m.vigil");
        ModelFile.Stored m = sample();
        ModelFile.write(f, m);
        ModelFile.Stored back = ModelFile.read(f);
        assertThat(back.kind()).isEqualTo("autoencoder");
        assertThat(back.feature()).isEqualTo(m.feature());
        assertThat(back.syscallArch()).isEqualTo("x86_64");
        assertThat(back.threshold()).isEqualTo(1.25);
        assertThat(back.training()).isEqualTo(m.training());
        assertThat(back.created()).isEqualTo(m.created());
        for (int l = 0; l < 4; l++) {
            assertThat(back.layers().get(l).weight()).containsExactly(m.layers().get(l).weight());
            assertThat(back.layers().get(l).bias()).containsExactly(m.layers().get(l).bias());
            assertThat(back.layers().get(l).activation()).isEqualTo(m.layers().get(l).activation());
        }
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("m.vigil"); // no temp file left
        }
    }

    @Test
    void corruptTruncatedAndForeignFilesAreRejectedClearly() throws IOException {
        Path f = dir.resolve("m.vigil");
        ModelFile.write(f, sample());
        byte[] good = Files.readAllBytes(f);

        byte[] flipped = good.clone();
        flipped[good.length - 40] ^= 0x01;
        assertRejected(flipped, "corrupt model file (checksum mismatch)");
        assertRejected(java.util.Arrays.copyOf(good, good.length - 100), "truncated model file");
        assertRejected(java.util.Arrays.copyOf(good, 20), "truncated model file (header)");
        assertRejected("PK\u0003\u0004 this is a zip".getBytes(), "not a vigil model file (bad magic)");
        assertRejected(new byte[0], "not a vigil model file (bad magic)");
        byte[] future = good.clone();
        future[8] = 9;
        assertRejected(future, "model format version 9, this vigil reads version 1");
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 3);
        assertRejected(longer, "unexpected trailing bytes");
        assertThatThrownBy(() -> ModelFile.read(dir.resolve("nope.vigil"))).hasMessageEndingWith("nope.vigil: no such model file");
    }

    private void assertRejected(byte[] content, String reason) throws IOException {
        Path bad = dir.resolve("bad.vigil");
        Files.write(bad, content);
        assertThatThrownBy(() -> ModelFile.read(bad)).isInstanceOf(ModelFile.InvalidModelException.class).hasMessageContaining(reason);
    }
}
