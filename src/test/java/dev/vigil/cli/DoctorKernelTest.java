package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testing.KernelTest;
import org.junit.jupiter.api.Test;

/** `vigil doctor` on this machine: every required check passes, the probes really load. */
@KernelTest
class DoctorKernelTest {
    @Test
    void everyRequiredCheckPassesAndTheCollectorsLoad() {
        Cli r = Cli.run("doctor", "--skip-engine");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("vigil is ready.");
        assertThat(r.out().lines().filter(l -> l.startsWith("[FAIL"))).isEmpty();
        assertThat(r.out()).containsPattern("\\[ok  \\] BPF probe +syscall histogram loaded, attached and read");
        assertThat(r.out()).containsPattern("\\[ok  \\] trace collectors +exec, unlink, risky, resource loaded and attached");
        assertThat(r.out()).containsPattern("\\[ok  \\] workload probe +workload profiles' probe loaded and attached \\(tp_btf sys_enter/sys_exit, [0-9]+ call rules");
        assertThat(r.out()).containsPattern("\\[ok  \\] record and monitor +recorder loaded, attached, and saw this process's calls");
    }
}
