package dev.vigil.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/vigil.service as packaging/install.sh installs it (the same path rewrite), checked
 * by systemd-analyze verify (run-tests installs Debian's systemd for it): no warning at all,
 * and the hardening systemd-analyze security rates.
 */
class SystemdUnitTest {
    record Result(int exit, String output) {}

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** The unit with /opt/vigil rewritten to dir, and dir/bin/vigil an executable (verify checks ExecStart). */
    static Path installed(Path dir, String unitText) throws IOException {
        Files.createDirectories(dir.resolve("bin"));
        Path exe = Files.writeString(dir.resolve("bin/vigil"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return Files.writeString(dir.resolve("vigil.service"), unitText.replace("/opt/vigil", dir.toString()));
    }

    @Test
    void theUnitVerifiesWithoutAnyWarning(@TempDir Path dir) throws Exception {
        Path unit = installed(dir, Files.readString(Path.of("packaging/vigil.service")));
        Result r = run(List.of("systemd-analyze", "verify", unit.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).isEmpty();
    }

    @Test
    void aBrokenUnitIsCaught(@TempDir Path dir) throws Exception {
        String broken = Files.readString(Path.of("packaging/vigil.service")).replace("ProtectSystem=strict", "ProtectSystem=strictly");
        Result r = run(List.of("systemd-analyze", "verify", installed(dir, broken).toString()));
        assertThat(r.output()).contains("Failed to parse protect system value");
    }

    @Test
    void theUnitKeepsOnlyTheCapabilitiesVigilNeedsAndAReadOnlySystem(@TempDir Path dir) throws Exception {
        Path unit = installed(dir, Files.readString(Path.of("packaging/vigil.service")));
        Result r = run(List.of("systemd-analyze", "security", "--offline=true", unit.toString()));
        assertThat(r.output()).contains("Overall exposure level for vigil.service");
        String score = r.output().replaceAll("(?s).*Overall exposure level for vigil.service: ([0-9.]+).*", "$1");
        assertThat(Double.parseDouble(score)).as("systemd's exposure score (0 best, 10 worst)").isLessThan(5.0);
        assertThat(Files.readString(unit)).contains("CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_PTRACE CAP_DAC_READ_SEARCH",
                "ProtectSystem=strict", "StateDirectory=vigil", "ReadWritePaths=/sys/fs/bpf", "NoNewPrivileges=yes");
    }
}
