package dev.vigil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CoverageTest {
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void everyLossIsOneHighAlertAMinuteAndTheRestAddsUp() {
        AtomicLong lost = new AtomicLong(5), dropped = new AtomicLong();
        Coverage c = new Coverage("h").watch("workload_ring", "first sights lost", "items may have gone unseen", lost::get)
                .watch("output_syslog", "alerts dropped", "they did not reach syslog", dropped::get);
        assertThat(c.check(T0)).as("what was lost before vigil watched is not this run's").isEmpty();
        assertThat(c.degraded()).isFalse();
        lost.addAndGet(14_744);
        List<Alert> first = c.check(T0.plusSeconds(1));
        assertThat(first).hasSize(1);
        Alert a = first.getFirst();
        assertThat(a.detector()).isEqualTo("coverage");
        assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(a.summary()).isEqualTo("vigil's coverage is degraded: 14,744 first sights lost since 2026-12-02T10:00:01Z: items may have gone unseen");
        assertThat(a.evidence()).containsEntry("source", "workload_ring").containsEntry("lost", 14_744L);
        lost.addAndGet(10);
        dropped.addAndGet(3);
        List<Alert> within = c.check(T0.plusSeconds(30));
        assertThat(within).as("the ring's second loss waits for the minute; the output's is new").extracting(x -> x.evidence().get("source"))
                .containsExactly("output_syslog");
        lost.addAndGet(5);
        List<Alert> later = c.check(T0.plusSeconds(61));
        assertThat(later).hasSize(1);
        assertThat(later.getFirst().evidence()).containsEntry("lost", 15L).containsEntry("lost_total", 14_759L);
        assertThat(c.check(T0.plusSeconds(200))).as("nothing new, nothing said").isEmpty();
        lost.addAndGet(1);
        assertThat(c.check(null)).as("at the end, what is pending goes out").hasSize(1);
        assertThat(first.getFirst().dedupKey()).isNotEqualTo(later.getFirst().dedupKey());
    }

    @Test
    void theWorkloadsThatLostSomethingAreNamedTenAtMost() {
        AtomicLong lost = new AtomicLong();
        List<String> who = new java.util.ArrayList<>();
        Coverage c = new Coverage("h").watch("workload_ring", "first sights lost", "items may have gone unseen", lost::get, () -> List.copyOf(who));
        c.check(T0);
        lost.addAndGet(7);
        who.add("nginx.service nginx");
        Alert a = c.check(T0.plusSeconds(1)).getFirst();
        assertThat(a.summary()).endsWith("items may have gone unseen (workloads affected: nginx.service nginx)");
        assertThat(a.evidence()).containsEntry("workloads", "nginx.service nginx");
        lost.addAndGet(1);
        who.clear();
        for (int i = 1; i <= 12; i++) who.add("run-r" + i + ".scope sh");
        Alert b = c.check(T0.plusSeconds(62)).getFirst();
        assertThat(b.evidence().get("workloads").toString()).startsWith("run-r1.scope sh, run-r2.scope sh").endsWith("run-r10.scope sh and 2 more");
        lost.addAndGet(1);
        who.clear();
        assertThat(c.check(T0.plusSeconds(200)).getFirst().evidence()).as("none known: no such evidence").doesNotContainKey("workloads");
    }
}
