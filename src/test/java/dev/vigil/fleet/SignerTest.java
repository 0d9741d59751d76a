package dev.vigil.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignerTest {
    @Test
    void thePrivateKeyIsBorn0600AndNeverOverwritten(@TempDir Path dir) throws IOException {
        Signer.generate(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(Signer.PRIVATE)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(Signer.PUBLIC)))).isEqualTo("rw-r--r--");
        assertThat(Signer.load(dir.resolve(Signer.PRIVATE))).isNotNull();
        assertThatThrownBy(() -> Signer.generate(dir)).isInstanceOf(IOException.class).hasMessageContaining("never overwritten");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(Signer.PRIVATE, Signer.PUBLIC);
        }
    }
}
