package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of first sights into a ring nobody reads: the stacks are cut short before any first
 * sight is lost. A copy of cat named vigil-stackfill reads 2,000 new files while the ring is
 * not read: the first events carry the full 8 KiB copy of the stack, then 2 KiB once the
 * ring is a quarter full, then none past half, and every cut is counted (stacks_shortened,
 * which the agent's coverage watch workload_stacks_short alerts on). No first sight is lost.
 */
@KernelTest
class WorkloadStackBudgetKernelTest {
    @Test
    void aBurstOfFirstSightsShortensItsStacksBeforeItLosesAny(@TempDir Path dir) throws Exception {
        Path cat = dir.resolve("vigil-stackfill");
        Files.copy(Path.of("/usr/bin/cat"), cat);
        List<String> cmd = new ArrayList<>(List.of(cat.toString()));
        for (int i = 0; i < 2000; i++) cmd.add(Files.writeString(dir.resolve("f" + i), "").toString());
        SensorSettings only = new SensorSettings(Set.of(), Set.of(), Set.of("vigil-stackfill"), Set.of(), null, Duration.ofSeconds(2), 10, null);
        try (WorkloadSensor w = Sensor.start(new WorkloadSensor(), only)) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            List<Integer> snaps = new ArrayList<>();
            List<KernelEvent.Maps> maps = new ArrayList<>(), mapsLater = new ArrayList<>();
            List<Integer> mapsBeforeItem = new ArrayList<>();
            List<String> misflagged = new ArrayList<>();
            List<KernelEvent.Item> syscalls = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<KernelEvent> events = new ArrayList<>();
            while (snaps.size() < 2000 && System.nanoTime() < deadline) {
                events.clear();
                w.read(events::add, 100);
                for (KernelEvent e : events) {
                    if (e instanceof KernelEvent.Maps m && m.who().comm().equals("vigil-stackfill")) {
                        if (snaps.isEmpty()) maps.add(m);
                        else mapsLater.add(m);
                    }
                    if (e instanceof KernelEvent.Item i && i.who().comm().equals("vigil-stackfill") && i.stack().ip() != 0) mapsBeforeItem.add(maps.size());
                    if (e instanceof KernelEvent.Item i && i.who().comm().equals("vigil-stackfill") && i.kind() == KernelEvent.Item.SYSCALL) syscalls.add(i);
                    if (e instanceof KernelEvent.Item i && i.kind() == KernelEvent.Item.FILE && i.path().startsWith(dir + "/f")) {
                        snaps.add(i.stack().snapshot().length);
                        if (i.stack().shortened() != (i.stack().snapshot().length < 8192)) misflagged.add(i.path());
                    }
                }
            }
            assertThat(snaps).as("every new file's first sight crossed").hasSize(2000);
            Map<Integer, Integer> bySize = new TreeMap<>();
            for (int s : snaps) bySize.merge(s, 1, Integer::sum);
            assertThat(bySize).as("8 KiB, then 2 KiB, then none").containsOnlyKeys(0, 2048, 8192);
            int first2k = snaps.indexOf(2048), firstNone = snaps.indexOf(0);
            assertThat(first2k).isPositive().isLessThan(firstNone);
            assertThat(snaps.subList(0, first2k)).containsOnly(8192);
            assertThat(snaps.subList(firstNone, snaps.size())).containsOnly(0);
            assertThat(w.counts().get("stacks_shortened")).as("each cut counted (and any of cat's own items after them)").isBetween((long) (snaps.size() - first2k), (long) (snaps.size() - first2k) + 20);
            assertThat(w.counts().get("lost")).isZero();
            assertThat(misflagged).as("each short copy flagged as such, and only those").isEmpty();
            // a process's first use of each system call carries the stack of that call (not the last item's, left in the scratch)
            assertThat(syscalls).as("cat's system calls").hasSizeGreaterThan(10);
            assertThat(syscalls).allSatisfy(i -> assertThat(i.stack().ip()).as(i.call()).isNotZero());
            assertThat(syscalls.stream().map(i -> i.stack().sp()).distinct().count()).as("each its own stack").isGreaterThan(syscalls.size() / 2);
            // the process's executable mappings went before its first stack, and again as the loader mapped its libraries
            // (their count changed); none after, while it read the files (its mappings stayed as they were)
            assertThat(mapsBeforeItem.getFirst()).as("a mappings event before the first item with a stack").isEqualTo(1);
            assertThat(mapsLater).as("none while it read the files").isEmpty();
            long catIno = ((Number) Files.getAttribute(cat, "unix:ino")).longValue();
            long libcIno = ((Number) Files.getAttribute(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6"), "unix:ino")).longValue();
            var vmas = maps.getLast().vmas();
            assertThat(vmas).as("%s", vmas).anySatisfy(v -> {
                assertThat(v.name()).isEqualTo("vigil-stackfill");
                assertThat(v.ino()).isEqualTo(catIno);
                assertThat(v.offset()).isPositive(); // its text segment, past the ELF headers
            });
            assertThat(vmas).anySatisfy(v -> {
                assertThat(v.name()).isEqualTo("libc.so.6");
                assertThat(v.ino()).isEqualTo(libcIno);
            });
            assertThat(vmas).as("the vDSO, marked").anySatisfy(v -> assertThat(v.flags() & KernelEvent.Maps.Vma.VDSO).isNotZero());
            assertThat(maps.getLast().total()).isEqualTo(vmas.size());
        }
    }
}
