package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileStoreTest {
    static ProfileStore.Snapshot sample() {
        long[] w = new long[64];
        w[0] = 0b1011;
        w[63] = Long.MIN_VALUE;
        return new ProfileStore.Snapshot("x86_64", 9, List.of(
                new ProfileStore.Entry(12345L, (254 << 20) | 1, "/usr/bin/true", 1000, 900, 3, 40, 1, 0, Map.of(39, w, 110, new long[64])),
                new ProfileStore.Entry(7L, 2, "", 5, 5, 0, 0, 0, 2, Map.of())));
    }

    @Test
    void roundTrips(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("profiles.vigil");
        ProfileStore.write(f, sample());
        ProfileStore.Snapshot back = ProfileStore.read(f);
        assertThat(back.arch()).isEqualTo("x86_64");
        assertThat(back.window()).isEqualTo(9);
        assertThat(back.profiles()).hasSize(2);
        ProfileStore.Entry e = back.profiles().getFirst();
        assertThat(e.path()).isEqualTo("/usr/bin/true");
        assertThat(e.calls()).isEqualTo(1000);
        assertThat(e.state()).isEqualTo(1);
        assertThat(e.bits().keySet()).containsExactly(39, 110);
        assertThat(e.bits().get(39)).isEqualTo(sample().profiles().getFirst().bits().get(39));
        assertThat(back.profiles().get(1).tolerized()).isEqualTo(2);
        try (var left = java.nio.file.Files.list(dir)) { // written aside, forced and renamed: no temporary file left
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void rejectsCorruptFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("profiles.vigil");
        ProfileStore.write(f, sample());
        byte[] good = Files.readAllBytes(f);

        byte[] flipped = good.clone();
        flipped[good.length - 100] ^= 1;
        Files.write(f, flipped);
        assertThatThrownBy(() -> ProfileStore.read(f)).isInstanceOf(ModelFile.InvalidModelException.class).hasMessageContaining("checksum");

        Files.write(f, java.util.Arrays.copyOf(good, good.length - 600));
        assertThatThrownBy(() -> ProfileStore.read(f)).isInstanceOf(ModelFile.InvalidModelException.class);

        byte[] version = good.clone();
        version[8] = 9;
        Files.write(f, version);
        assertThatThrownBy(() -> ProfileStore.read(f)).hasMessageContaining("profile format version 9");

        Files.writeString(f, "VIGILMDL not profiles at all");
        assertThatThrownBy(() -> ProfileStore.read(f)).hasMessageContaining("bad magic");

        assertThatThrownBy(() -> ProfileStore.read(dir.resolve("none"))).hasMessageContaining("no such profile file");
    }
}
