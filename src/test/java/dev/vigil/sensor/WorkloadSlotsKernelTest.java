package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.host.Cgroups;
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
 * Red team: short-lived cgroups (any user can make scopes) each start a workload, and each
 * takes a kernel slot. Without reclaim the table stays full for good and every later
 * workload goes unprofiled. Here a table of 4 slots is filled by 4 cgroups that come and go,
 * a fifth finds it full, and a reclaim must free the 4 dead ones: a later workload is given
 * one back with nothing of the old one left (its first sights cross again), a task that a
 * full table left without a slot is resolved at its next call, and a slot a live task still
 * holds (moved out of its dead cgroup) is never freed. Only programs named vigil-slot-t pass
 * the sensor's filter, so the host's own processes take no slot.
 */
@KernelTest
class WorkloadSlotsKernelTest {
    static final String COMM = "vigil-slot-t";

    @Test
    void slotsOfDeadCgroupsAreReclaimedAndGivenToNewWorkloadsClean(@TempDir Path dir) throws Exception {
        Path prog = dir.resolve(COMM), shell = dir.resolve("sh").resolve(COMM);
        Files.copy(Path.of("/usr/bin/sleep"), prog);
        Files.createDirectories(shell.getParent());
        Files.copy(Path.of("/bin/dash"), shell);
        Path base = Cgroups.root().resolve("vigil-slots-test-" + ProcessHandle.current().pid());
        Files.createDirectories(base);
        SensorSettings only = new SensorSettings(Set.of(), Set.of(), Set.of(COMM), Set.of(), null, Duration.ofSeconds(2), 10, null);
        List<Process> left = new ArrayList<>();
        try (WorkloadSensor w = Sensor.start(new WorkloadSensor(4), only)) {
            List<KernelEvent> events = new ArrayList<>();
            for (int i = 1; i <= 4; i++) runIn(base.resolve("c" + i), prog + " 0", true);
            drain(w, events, e -> slots(events).size() >= 4);
            assertThat(slots(events)).extracting(KernelEvent.Slot::slot).containsExactlyInAnyOrder(1, 2, 3, 4);
            assertThat(slots(events)).allMatch(s -> s.reason() == KernelEvent.Slot.NEW);
            int firstOfC1 = slots(events).getFirst().slot();
            assertThat(fileItems(events, firstOfC1)).as("what the first workload opened").anyMatch(p -> p.equals("/etc/ld.so.cache"));

            // full: a fifth workload is counted, not profiled; a long-lived one is left without a slot
            runIn(base.resolve("c5"), prog + " 0", true);
            Process waiting = runIn(base.resolve("c6"), shell + " -c 'while :; do read x < /dev/null; sleep 0.05; done'", false);
            left.add(waiting);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (w.counts().get("slots_full") < 2 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(w.counts().get("slots_full")).as("the fifth, the loop (and the loop's children before they exec)").isGreaterThanOrEqualTo(2L);
            events.clear();
            w.read(events::add, 200);
            assertThat(slots(events)).as("no slot for a workload of a full table").isEmpty();

            var live = Cgroups.liveIds().orElseThrow();
            Set<Integer> freed = w.reclaim(live::contains);
            assertThat(freed).as("the 4 workloads whose cgroups are gone").containsExactlyInAnyOrder(1, 2, 3, 4);
            assertThat(w.counts()).containsEntry("slots_reclaimed", 4L);
            assertThat(w.reclaim(Cgroups.liveIds().orElseThrow()::contains)).as("nothing twice").isEmpty();

            // the task the full table left without a slot is resolved at its next call, as a running workload
            // (the first to call may be the loop or a child of it not yet exec'd: one workload, one slot)
            int loop = (int) waiting.pid();
            drain(w, events, e -> !slots(events).isEmpty() && events.stream().anyMatch(i -> i instanceof KernelEvent.Item it && it.who().tgid() == loop));
            KernelEvent.Slot retried = slots(events).getFirst();
            assertThat(retried.reason()).isEqualTo(KernelEvent.Slot.RUNNING);
            assertThat(retried.who().tgid() == loop || retried.who().ppid() == loop).as("%s", retried).isTrue();
            assertThat(freed).contains(retried.slot());
            assertThat(slots(events)).as("one slot for the loop and its children").hasSize(1);
            assertThat(events.stream().filter(i -> i instanceof KernelEvent.Item it && it.who().tgid() == loop).map(i -> ((KernelEvent.Item) i).slot()))
                    .as("the loop's own calls are in it").containsOnly(retried.slot());

            // a new workload gets a freed slot, and its first sights cross again though the old occupant saw them
            events.clear();
            runIn(base.resolve("c7"), prog + " 0", true);
            drain(w, events, e -> slots(events).size() >= 1 && !fileItems(events, slots(events).getFirst().slot()).isEmpty()
                    && fileItems(events, slots(events).getFirst().slot()).contains("/etc/ld.so.cache"));
            KernelEvent.Slot reused = slots(events).getFirst();
            assertThat(reused.reason()).isEqualTo(KernelEvent.Slot.NEW);
            assertThat(freed).contains(reused.slot());
            assertThat(fileItems(events, reused.slot())).contains("/etc/ld.so.cache");

            // a live task moved out of its cgroup holds its slot when the cgroup is gone
            events.clear();
            Process holder = runIn(base.resolve("c8"), prog + " 30", false);
            left.add(holder);
            drain(w, events, e -> slots(events).stream().anyMatch(s -> s.who().tgid() == holder.pid()));
            int held = slots(events).stream().filter(s -> s.who().tgid() == holder.pid()).findFirst().orElseThrow().slot();
            assertThat(w.refs(held)).isEqualTo(1);
            Path other = Files.createDirectories(base.resolve("other"));
            Files.writeString(other.resolve("cgroup.procs"), Long.toString(holder.pid()));
            removeCgroup(base.resolve("c8"));
            assertThat(w.reclaim(Cgroups.liveIds().orElseThrow()::contains)).as("held by a live task").doesNotContain(held);
            holder.destroy();
            assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(w.refs(held)).isZero();
            assertThat(w.reclaim(Cgroups.liveIds().orElseThrow()::contains)).as("its last task gone").contains(held);
        } finally {
            for (Process p : left) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            try (var dirs = Files.list(base)) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) removeCgroup(d);
            }
            removeCgroup(base);
        }
    }

    /** Runs a command in a new cgroup (the shell enters it, then execs); waits and removes the cgroup when asked. */
    private static Process runIn(Path cgroup, String cmd, boolean wait) throws Exception {
        Files.createDirectories(cgroup);
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec " + cmd).redirectErrorStream(true).start();
        if (!wait) return p;
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        removeCgroup(cgroup);
        return p;
    }

    private static void removeCgroup(Path cgroup) throws InterruptedException {
        dev.vigil.testing.TestCgroups.remove(cgroup);
    }

    private static void drain(WorkloadSensor w, List<KernelEvent> events, java.util.function.Predicate<List<KernelEvent>> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.test(events) && System.nanoTime() < deadline) w.read(events::add, 100);
        assertThat(done.test(events)).as("events: %s", events).isTrue();
    }

    private static List<KernelEvent.Slot> slots(List<KernelEvent> events) {
        return events.stream().filter(e -> e instanceof KernelEvent.Slot).map(e -> (KernelEvent.Slot) e).toList();
    }

    private static List<String> fileItems(List<KernelEvent> events, int slot) {
        return events.stream().filter(e -> e instanceof KernelEvent.Item i && i.slot() == slot && i.kind() == KernelEvent.Item.FILE)
                .map(e -> ((KernelEvent.Item) e).path()).toList();
    }
}
