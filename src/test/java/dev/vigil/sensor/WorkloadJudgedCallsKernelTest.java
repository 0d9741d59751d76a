package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.Observation;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workload sensor without every call (detectors.profiles.syscalls: false): no BPF program
 * on sys_enter at all, only on the judged calls' own syscalls:sys_enter_* and sys_exit_*
 * events. A program named vigil-perl reads a file, connects to a closed port on loopback and
 * makes a memfd: the file, the endpoint and the high-risk call are seen as with every call,
 * and no system-call item is sent (that dimension needs every call).
 */
@KernelTest
class WorkloadJudgedCallsKernelTest {
    @Test
    void withoutEveryCallFilesEndpointsAndHighRiskCallsAreStillSeen(@TempDir Path dir) throws Exception {
        Path perl = dir.resolve("vigil-perl"), file = Files.writeString(dir.resolve("read-me"), "x\n");
        Files.copy(Path.of("/usr/bin/perl"), perl);
        perl.toFile().setExecutable(true);
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: the connection is refused, which still names the endpoint
        }
        SensorSettings only = new SensorSettings(Set.of(), Set.of(), Set.of("vigil-perl"), Set.of(), null, Duration.ofSeconds(2), 10, null);
        ProcessFacts facts = ProcessFacts.live(new ProcessContext());
        try (WorkloadSensor w = Sensor.start(new WorkloadSensor(4096, false), only)) {
            assertThat(w.everyCall()).isFalse();
            assertThat(w.unavailable()).as("only calls this kernel has no events for (not built in: module loading, kexec here)")
                    .allMatch(c -> !dev.vigil.bpf.Tracefs.hasTracepoint("syscalls", "sys_enter_" + WorkloadSensor.event(c)))
                    .doesNotContain("openat", "connect", "memfd_create", "umount2");
            assertThat(programs()).as("no program on every call").contains("vigil_w_enter_call", "vigil_w_exit_call").doesNotContain("vigil_w_enter");
            Process p = new ProcessBuilder(perl.toString(), "-e", "use Socket; open(my $f, '<', '" + file + "') or die; "
                    + "socket(my $s, PF_INET, SOCK_STREAM, 0); connect($s, sockaddr_in(" + port + ", inet_aton('127.0.0.1'))); my $n = 'vigil'; syscall(319, $n, 0);")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
            List<String> items = new ArrayList<>();
            List<Integer> kinds = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (items.stream().noneMatch(i -> i.startsWith("memfd_create")) && System.nanoTime() < deadline) {
                List<KernelEvent> events = new ArrayList<>();
                w.read(events::add, 100);
                for (KernelEvent e : events) {
                    if (e instanceof KernelEvent.Item i) {
                        kinds.add(i.kind());
                        Observation.of(i, pid -> "vigil-perl", facts::linkedFile).ifPresent(o -> items.add(o.item()));
                    }
                }
            }
            w.read(e -> { if (e instanceof KernelEvent.Item i) kinds.add(i.kind()); }, 200);
            assertThat(items).as("items").contains("read /tmp/junit-<n>/read-me", "connect tcp 127.0.0.1:" + port)
                    .anyMatch(i -> i.startsWith("memfd_create"));
            assertThat(kinds).as("no system-call item without every call").doesNotContain(KernelEvent.Item.SYSCALL);
        }
    }

    /** The names of the BPF programs loaded now. */
    static List<String> programs() throws Exception {
        Process b = new ProcessBuilder("bpftool", "prog", "show", "--json").redirectErrorStream(true).start();
        String out = new String(b.getInputStream().readAllBytes());
        b.waitFor(10, TimeUnit.SECONDS);
        List<String> names = new ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).forEach(n -> names.add(n.path("name").asText()));
        return names;
    }
}
