package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectorFileTest {
    static final DetectorFile.Header H = new DetectorFile.Header("stide:n=6", "stide n=6", 42, "x86_64", 200, 100, 0.25, 12, 3456,
            "/data/train", "2026-11-24T07:00:00Z");

    @Test
    void roundTripsTheHeaderAndTheState(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.vigil");
        DetectorFile.write(f, H, new byte[] {1, 2, 3, 4, 5});
        DetectorFile.Read r = DetectorFile.read(f);
        assertThat(r.header()).isEqualTo(H);
        assertThat(r.state()).containsExactly(1, 2, 3, 4, 5);
        assertThat(dir.toFile().list()).containsExactly("m.vigil"); // no temporary file left
    }

    @Test
    void corruptTruncatedAndForeignFilesAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.vigil");
        DetectorFile.write(f, H, new byte[100]);
        byte[] b = Files.readAllBytes(f);
        b[b.length - 20] ^= 1;
        Files.write(f, b);
        assertThatThrownBy(() -> DetectorFile.read(f)).isInstanceOf(ModelFile.InvalidModelException.class).hasMessage(f + ": corrupt (checksum mismatch)");
        Files.write(f, java.util.Arrays.copyOf(b, 30));
        assertThatThrownBy(() -> DetectorFile.read(f)).isInstanceOf(ModelFile.InvalidModelException.class).hasMessageStartingWith(f + ": ");
        Files.writeString(f, "VIGILMDL and then an autoencoder");
        assertThatThrownBy(() -> DetectorFile.read(f)).hasMessage(f + ": not a vigil detector file (an autoencoder model for vigil run)");
        assertThatThrownBy(() -> DetectorFile.read(dir.resolve("none"))).hasMessage(dir.resolve("none") + ": no such file");
    }
}
