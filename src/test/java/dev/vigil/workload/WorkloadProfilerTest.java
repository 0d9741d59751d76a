package dev.vigil.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import dev.vigil.event.KernelEvent.Item;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The profiler on synthetic kernel events (pids that do not exist, the root cgroup): a
 * slot names its workload, activity drives learning, a stable dimension alerts what is new,
 * a directory's fan-out collapses, ignored cgroups switch their slot off in the kernel.
 */
class WorkloadProfilerTest {
    static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");
    static final int PID = 90_000_001;
    static final long ROOT_CGROUP = dev.vigil.host.Cgroups.id("/");
    static final KernelEvent.Who WHO = new KernelEvent.Who(PID, PID, 1, 0, 0, ROOT_CGROUP, "app");

    static Item read(String path) { return read(1, path); }

    static Item read(int slot, String path) {
        return new Item(WHO, slot, Item.FILE, 257, "openat", KernelEvent.Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16], path.hashCode(), path, "");
    }

    /** The same read, with a stack the kernel copied short (its ring was filling). */
    static Item shortStack(String path) {
        return new Item(WHO, 1, Item.FILE, 257, "openat", KernelEvent.Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16], path.hashCode(), path, "", "",
                List.of(), new KernelEvent.UserStack(0x1000, 0x2000, 0, new long[] {0x1000}, 0, new byte[0], true));
    }

    @Test
    void learnsTurnsStableByActivityAlertsNewItemsAndCollapsesFanOut() {
        List<Integer> ignoredSlots = new ArrayList<>();
        WorkloadProfiler p = new WorkloadProfiler(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(10), 1000, Duration.ofHours(1), 500),
                Duration.ZERO, List.of("/user.slice"), new ProcessDescriber(new ProcessContext(), false), "h", ignoredSlots::add);
        assertThat(p.accept(new KernelEvent.Slot(WHO, 1, KernelEvent.Slot.NEW, "/nonexistent/bin/app", List.of("app", "--serve"), false), T0)).isEmpty();
        assertThat(p.workloadOf(1).orElseThrow().text()).isEqualTo("host app");
        for (int i = 0; i < 30; i++) assertThat(p.accept(read("/srv/static/page" + (char) ('a' + i % 26) + i / 26 + ".html"), T0.plusSeconds(1))).isEmpty();
        assertThat(p.accept(read("/etc/app.conf"), T0.plusSeconds(1))).isEmpty();
        assertThat(p.accept(shortStack("/etc/app.d/extra.conf"), T0.plusSeconds(1))).isEmpty();
        assertThat(p.shortStackAlerts()).as("a short stack while learning alerts nothing").isZero();
        assertThat(p.learnt()).as("24 pages, then the directory collapsed: the other 6 are known").isEqualTo(26);

        // 20 s later but only 500 calls made: still learning; 1,500 calls: stable, one notice per dimension
        assertThat(p.tick(T0.plusSeconds(20), slot -> 500)).isEmpty();
        List<Alert> notices = p.tick(T0.plusSeconds(21), slot -> 1500);
        assertThat(notices).extracting(a -> a.evidence().get("dimension")).containsExactlyInAnyOrderElementsOf(WorkloadProfile.DIMENSIONS);
        assertThat(notices).allMatch(a -> a.kind().equals("profile_state") && a.evidence().get("state").equals("stable"));

        // a new page in the collapsed directory is known; a new file elsewhere is one alert
        assertThat(p.accept(read("/srv/static/new-page.html"), T0.plusSeconds(30))).isEmpty();
        List<Alert> a = p.accept(read("/etc/shadow"), T0.plusSeconds(31));
        assertThat(a).hasSize(1);
        assertThat(a.getFirst().summary()).isEqualTo("app (host): app (pid " + PID + ") read /etc/shadow — never seen in 21s of learning (stable since "
                + T0.plusSeconds(21) + ")");
        assertThat(a.getFirst().evidence()).containsEntry("dimension", "files").containsEntry("item", "read /etc/shadow")
                .containsEntry("allow", "vigil workloads allow 'host app' files 'read /etc/shadow'");
        assertThat(a.getFirst().severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(p.novel()).isEqualTo(1);
        assertThat(ignoredSlots).isEmpty();
        assertThat(p.shortStackAlerts()).isZero();
        assertThat(p.accept(shortStack("/etc/gshadow"), T0.plusSeconds(32))).hasSize(1);
        assertThat(p.shortStackAlerts()).as("an alert whose stack was copied short: counted for the coverage watch").isEqualTo(1);
    }

    @Test
    void aReclaimedSlotGivenToANewWorkloadIsThatWorkloadsNotTheOldOnes() {
        WorkloadProfiler p = new WorkloadProfiler(new ProfileSet(10), Dimension.Learning.fast(), Duration.ZERO, List.of(),
                new ProcessDescriber(new ProcessContext(), false), "h", slot -> { });
        p.accept(new KernelEvent.Slot(WHO, 3, KernelEvent.Slot.NEW, "/nonexistent/bin/app", List.of("app"), false), T0);
        assertThat(p.workloadOf(3).orElseThrow().text()).isEqualTo("host app");
        assertThat(p.slotted()).extracting(WorkloadKey::text).containsExactly("host app");
        p.accept(new KernelEvent.Slot(WHO, 3, KernelEvent.Slot.ROOT, "/nonexistent/bin/app", List.of("app"), false), T0.plusSeconds(1));
        assertThat(p.workloadOf(3).orElseThrow().text()).as("a restart into the same slot").isEqualTo("host app");
        // the sensor freed it (its cgroup gone): the kernel may give it to another workload, whose slot event says NEW
        p.released(java.util.Set.of(3));
        assertThat(p.workloadOf(3)).isEmpty();
        assertThat(p.slotted()).isEmpty();
        p.accept(new KernelEvent.Slot(WHO, 3, KernelEvent.Slot.NEW, "/nonexistent/bin/worker", List.of("worker"), false), T0.plusSeconds(2));
        assertThat(p.workloadOf(3).orElseThrow().text()).isEqualTo("host worker");
        // a replay has no released(): a NEW event for a known slot means the same
        p.accept(new KernelEvent.Slot(WHO, 3, KernelEvent.Slot.NEW, "/nonexistent/bin/cron", List.of("cron"), false), T0.plusSeconds(3));
        assertThat(p.workloadOf(3).orElseThrow().text()).isEqualTo("host cron");
    }

    @Test
    void slotsInIgnoredCgroupsAreSwitchedOffInTheKernel() {
        List<Integer> ignoredSlots = new ArrayList<>();
        WorkloadProfiler p = new WorkloadProfiler(new ProfileSet(10), Dimension.Learning.fast(), Duration.ZERO, List.of("/"),
                new ProcessDescriber(new ProcessContext(), false), "h", ignoredSlots::add);
        p.accept(new KernelEvent.Slot(WHO, 7, KernelEvent.Slot.NEW, "/nonexistent/bin/bash", List.of("-bash"), false), T0);
        assertThat(ignoredSlots).containsExactly(7);
        assertThat(p.accept(read(7, "/etc/shadow"), T0)).isEmpty();
        assertThat(p.workloadOf(7)).isEmpty();
    }

    @Test
    void collapsedOnlyForFileItemsBelowTheRoot() {
        assertThat(WorkloadProfiler.collapsedOf("read /srv/static/a.html")).isEqualTo("read /srv/static/*");
        assertThat(WorkloadProfiler.collapsedOf("read /etc")).isNull();
        assertThat(WorkloadProfiler.collapsedOf("read /srv/static/*")).isNull();
        assertThat(WorkloadProfiler.collapsedOf("connect tcp 10.0.0.1:80")).isNull();
    }
}
