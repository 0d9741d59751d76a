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
 * Red team: a link to a credential file hides it from a profile that reads paths. A
 * symbolic link made in a temporary folder to /etc/shadow, and a hard link to /etc/gshadow
 * read through it (a hard link's path names the link, and the kernel's walk of the opened
 * file finds the link's name): each link made is an item of the file it links to, and the
 * read through the hard link is named as the credential file by its inode. Only the
 * programs named vigil-ln and vigil-cat pass the sensor's filter.
 */
@KernelTest
class WorkloadLinksKernelTest {
    @Test
    void aLinkMadeToACredentialFileAndAReadThroughAHardLinkNameTheCredentialFile(@TempDir Path dir) throws Exception {
        Path ln = dir.resolve("vigil-ln"), cat = dir.resolve("vigil-cat"), soft = dir.resolve("soft"), hard = dir.resolve("hard");
        Files.copy(Path.of("/usr/bin/ln"), ln);
        Files.copy(Path.of("/usr/bin/cat"), cat);
        SensorSettings only = new SensorSettings(Set.of(), Set.of(), Set.of("vigil-ln", "vigil-cat"), Set.of(), null, Duration.ofSeconds(2), 10, null);
        ProcessFacts facts = ProcessFacts.live(new ProcessContext());
        try (WorkloadSensor w = Sensor.start(new WorkloadSensor(), only)) {
            run(ln.toString(), "-s", "/etc/shadow", soft.toString());
            run(ln.toString(), "/etc/gshadow", hard.toString()); // same file system as /tmp here; root may link what it does not own
            run(cat.toString(), hard.toString());
            List<KernelEvent> events = new ArrayList<>();
            List<String> words = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (words.stream().filter(x -> x.contains("shadow")).count() < 3 && System.nanoTime() < deadline) {
                events.clear();
                w.read(events::add, 100);
                for (KernelEvent e : events) {
                    if (e instanceof KernelEvent.Item i && i.kind() == KernelEvent.Item.FILE) {
                        Observation.of(i, pid -> "", facts::linkedFile).ifPresent(o -> words.add(o.item() + " | " + o.words()));
                    }
                }
            }
            assertThat(words).contains("symlink /etc/shadow | made a symbolic link to /etc/shadow at " + soft,
                    "link /etc/gshadow | made a hard link to /etc/gshadow as " + hard,
                    "read /etc/gshadow | read /etc/gshadow (through the hard link " + hard + ")");
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
    }
}
