package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.bpf.Tracefs;
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
 * A freshly booted host has no tracefs mounted until something mounts it. The workload
 * sensor judges file and network calls at their syscalls:sys_exit_* events, which it looks
 * up in tracefs before loading: it must mount tracefs rather than take an unmounted one
 * for a kernel without the events (which once left every file and endpoint unprofiled, in
 * silence, on a new machine). Tracefs is unmounted here, then a program named vigil-cat
 * reads a file: the sensor must see the read.
 */
@KernelTest
class WorkloadFreshBootKernelTest {
    /** The item of the read (a profile item keeps the junit folder's digits as <n>). */
    private static final String READ = "read /tmp/junit-<n>/read-me";

    @Test
    void withTracefsUnmountedTheSensorMountsItAndSeesFiles(@TempDir Path dir) throws Exception {
        for (Path p : List.of(Path.of("/sys/kernel/debug/tracing"), Tracefs.PRIMARY)) {
            while (Files.isDirectory(p.resolve("events"))) {
                Process u = new ProcessBuilder("umount", "-l", p.toString()).redirectErrorStream(true).start();
                assertThat(u.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(u.exitValue()).as("umount " + p + ": " + new String(u.getInputStream().readAllBytes())).isZero();
            }
        }
        assertThat(Tracefs.mounted()).as("tracefs unmounted, as after a boot").isNull();
        Path cat = dir.resolve("vigil-cat"), file = Files.writeString(dir.resolve("read-me"), "x\n");
        Files.copy(Path.of("/usr/bin/cat"), cat);
        SensorSettings only = new SensorSettings(Set.of(), Set.of(), Set.of("vigil-cat"), Set.of(), null, Duration.ofSeconds(2), 10, null);
        ProcessFacts facts = ProcessFacts.live(new ProcessContext());
        try (WorkloadSensor w = Sensor.start(new WorkloadSensor(), only)) {
            assertThat(w.unavailable()).as("every exit event found").isEmpty();
            assertThat(Tracefs.mounted()).isNotNull();
            Process p = new ProcessBuilder(cat.toString(), file.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            List<String> items = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!items.contains(READ) && System.nanoTime() < deadline) {
                List<KernelEvent> events = new ArrayList<>();
                w.read(events::add, 100);
                for (KernelEvent e : events) {
                    if (e instanceof KernelEvent.Item i && i.kind() == KernelEvent.Item.FILE) {
                        Observation.of(i, pid -> "", facts::linkedFile).ifPresent(o -> items.add(o.item()));
                    }
                }
            }
            assertThat(items).as("file items").contains(READ);
        }
    }
}
