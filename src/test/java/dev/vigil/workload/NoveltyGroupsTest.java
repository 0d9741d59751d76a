package dev.vigil.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.AlertPipeline;
import dev.vigil.alert.ProcessRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NoveltyGroupsTest {
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    static Alert novel(int pid, String dimension, String item, Alert.Severity severity) {
        return Alert.builder(LineageDetector.DETECTOR, "anomaly").time(T0).host("h").severity(severity).process(ProcessRef.of(pid, "sh"))
                .summary("webapp ran " + item).profile("cgroup:/web app", "stable").evidence("dimension", dimension).evidence("item", item)
                .evidence("action", dimension + " " + item).evidence("allow", "vigil workloads allow ...")
                .dedupKey("profile|cgroup:/web app|" + dimension + "|" + item).build();
    }

    static final class Collecting implements AlertOutput {
        final List<Alert> got = new ArrayList<>();
        public String name() { return "test"; }
        public void send(Alert a) { got.add(a); }
        public Map<String, Long> counts() { return Map.of("sent", 0L, "failed", 0L, "dropped", 0L); }
        public void close() { }
    }

    /** The Atomic Red Team run: every step's shell is the same program item, already alerted; what it does next is new each time. */
    @Test
    void anItemAlreadyAlertedNeverHidesTheNewItemsGroupedWithIt() {
        NoveltyGroups g = new NoveltyGroups(Duration.ofMillis(400));
        Collecting out = new Collecting();
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ofHours(1), 60, 20, 1000), List.of(out), () -> 0);
        String[] writes = {"write /etc/cron.d/persist", "write /root/.bashrc", "write /var/log/auth.log"};
        for (int step = 0; step < writes.length; step++) {
            Instant t = T0.plusSeconds(step);
            g.offer(novel(100 + step, "process", "/usr/bin/dash -c sh", Alert.Severity.HIGH), t);
            g.offer(novel(100 + step, "files", writes[step], Alert.Severity.MEDIUM), t);
            for (Alert a : g.due(t.plusSeconds(1))) p.publish(a);
        }
        assertThat(out.got).hasSize(3);
        for (int i = 0; i < 3; i++) assertThat(out.got.get(i).summary()).endsWith("It also, never seen before: files " + writes[i]);
        // the very same group again is a repeat
        g.offer(novel(200, "process", "/usr/bin/dash -c sh", Alert.Severity.HIGH), T0.plusSeconds(10));
        g.offer(novel(200, "files", writes[0], Alert.Severity.MEDIUM), T0.plusSeconds(10));
        for (Alert a : g.due(null)) assertThat(p.publish(a)).isFalse();
    }

    @Test
    void aGroupIsBoundedInItemsAndWords() {
        NoveltyGroups g = new NoveltyGroups(Duration.ofMillis(400));
        g.offer(novel(7, "process", "/usr/bin/sh", Alert.Severity.HIGH), T0);
        for (int i = 0; i < 1000; i++) g.offer(novel(7, "files", "read /tmp/" + "x".repeat(300) + i, Alert.Severity.MEDIUM), T0);
        List<Alert> due = g.due(null);
        assertThat(due).hasSize(1);
        Alert a = due.getFirst();
        assertThat(a.summary()).endsWith("; and " + (1000 - NoveltyGroups.NAMED) + " more").hasSizeLessThan(NoveltyGroups.NAMED * 300);
        assertThat((List<?>) a.evidence().get("items")).hasSize(NoveltyGroups.MAX_ITEMS);
        assertThat(a.evidence()).containsEntry("items_not_listed", 1001 - NoveltyGroups.MAX_ITEMS);
        assertThat(dev.vigil.alert.AlertJson.line(a).length()).as("bytes of the JSON line").isLessThan(64 * 1024);
    }
}
