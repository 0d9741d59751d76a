package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.host.Cgroups;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's main job, end to end in a child JVM: vigil's own web service with a
 * command-injection flaw learns until stable under steady traffic, runs unchanged with no
 * alert, then each of the five attack steps is named by an alert, the file, network and
 * high-risk-call dimensions included; nothing is left behind.
 */
@KernelTest
class DemoKernelTest {
    @Test
    void everyAttackStepIsNamedAndTheUnchangedServiceRaisesNothing() throws Exception {
        ChildJvm r = ChildJvm.run(List.of(), "demo", "--normal-seconds", "5");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("0 alerts in 5 s of unchanged traffic")
                .contains("the risky profile of vigil-webapp").contains("is now stable: 0 high-risk calls learnt")
                .contains("ran /usr/bin/cat /etc/shadow from /usr/bin/dash").contains("read /etc/shadow")
                .contains("created or wrote /tmp/.vigil-demo-dropper").contains("ran /tmp/.vigil-demo-dropper from /usr/bin/dash")
                .containsPattern("ran /usr/bin/bash -c echo id > /dev/tcp/127.0.0.1/[0-9]+ from /usr/bin/dash .*connected to 127.0.0.1:[0-9]+ \\(tcp, loopback\\)")
                .contains("ran /memfd:x (deleted);").contains("called memfd_create (name=x")
                .contains("result                  5 of 5 attack steps named by an alert, 0 false alarms");
        try (var dirs = Files.list(Cgroups.root())) {
            assertThat(dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vigil-demo-"))).as("the demo's cgroup removed").isEmpty();
        }
        assertThat(java.nio.file.Path.of("/tmp/.vigil-demo-dropper")).doesNotExist();
    }
}
