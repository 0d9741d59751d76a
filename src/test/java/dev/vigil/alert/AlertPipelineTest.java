package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AlertPipelineTest {
    /** Collects what it is sent. */
    static final class Collecting implements AlertOutput {
        final List<Alert> got = new ArrayList<>();
        public String name() { return "test"; }
        public synchronized void send(Alert a) { got.add(a); }
        public Map<String, Long> counts() { return Map.of("sent", (long) got.size(), "failed", 0L, "dropped", 0L); }
        public void close() { }
    }

    static Alert alert(String key) {
        return Alert.builder("sequence", "anomaly").time(Instant.EPOCH).host("h").summary("s " + key).dedupKey(key).build();
    }

    final AtomicLong now = new AtomicLong();
    final Collecting out = new Collecting();

    @Test
    void repeatsWithinTheCooldownAreSuppressedAndTheNextOneCarriesTheirCount() {
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ofSeconds(60), 0, 0, 100), List.of(out), now::get);
        assertThat(p.publish(alert("a"))).isTrue();
        for (int i = 0; i < 5; i++) {
            now.addAndGet(1_000_000_000L);
            assertThat(p.publish(alert("a"))).isFalse();
        }
        assertThat(p.publish(alert("b"))).as("another key is not suppressed").isTrue();
        now.addAndGet(56_000_000_000L); // 61 s after the first
        assertThat(p.publish(alert("a"))).isTrue();
        assertThat(out.got).extracting(Alert::dedupKey).containsExactly("a", "b", "a");
        assertThat(out.got).extracting(Alert::suppressed).containsExactly(0L, 0L, 5L);
        assertThat(p.counts()).containsEntry("raised", 8L).containsEntry("emitted", 3L).containsEntry("suppressed_duplicate", 5L);
    }

    @Test
    void noCooldownEmitsEveryAlert() {
        AlertPipeline p = new AlertPipeline(AlertPipeline.Limits.none(), List.of(out), now::get);
        for (int i = 0; i < 50; i++) assertThat(p.publish(alert("same"))).isTrue();
        assertThat(out.got).hasSize(50).allSatisfy(a -> assertThat(a.suppressed()).isZero());
    }

    @Test
    void theRateLimitHoldsAndANoticeSaysHowManyWereSuppressed() {
        // 60 a minute = one a second, bursts of 3
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ZERO, 60, 3, 100), List.of(out), now::get);
        int passed = 0;
        for (int i = 0; i < 100; i++) if (p.publish(alert("k" + i))) passed++;
        assertThat(passed).as("a burst of 3 at one instant").isEqualTo(3);
        now.addAndGet(10_000_000_000L); // 10 s: 3 tokens again (the burst caps the bucket)
        for (int i = 0; i < 10; i++) if (p.publish(alert("later" + i))) passed++;
        assertThat(passed).isEqualTo(6);
        List<Alert> notices = out.got.stream().filter(a -> a.kind().equals("notice")).toList();
        assertThat(notices).hasSize(1);
        assertThat(notices.getFirst().evidence().get("suppressed")).isEqualTo(97L);
        assertThat(notices.getFirst().summary()).startsWith("97 alerts of detector sequence were suppressed by its budget (60 a minute, bursts of 3) since")
                .endsWith(": 97 anomaly");
        List<Alert> floods = out.got.stream().filter(a -> a.kind().equals("flood")).toList();
        assertThat(floods).as("one flood alert, at the first alert held back").hasSize(1);
        assertThat(out.got.indexOf(floods.getFirst())).isEqualTo(3);
        assertThat(out.got.indexOf(notices.getFirst())).as("the notice comes before the first alert let through again").isEqualTo(4);
        assertThat(p.counts()).containsEntry("suppressed_rate", 104L).containsEntry("emitted", 6L);
        // over a long steady stream the average holds: 1 a second
        int steady = 0;
        for (int i = 0; i < 600; i++) {
            now.addAndGet(100_000_000L); // ten a second offered for 60 s
            if (p.publish(alert("s" + i))) steady++;
        }
        assertThat(steady).isBetween(60, 63);
    }

    static Alert of(String workload, String key, Alert.Severity severity) {
        return Alert.builder("profile", "anomaly").time(Instant.EPOCH).host("h").severity(severity).summary(workload + " did " + key)
                .profile(workload, "stable").evidence("dimension", "files").dedupKey(workload + "|" + key).build();
    }

    @Test
    void oneWorkloadsFloodNeverDelaysOrDropsAnothers() {
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ZERO, 60, 20, 1000), List.of(out), now::get);
        int victim = 0;
        for (int i = 0; i < 3000; i++) {
            now.addAndGet(10_000_000L); // 100 alerts a second from the noisy workload, for 30 s
            p.publish(of("cgroup:/admin bash", "n" + i, Alert.Severity.MEDIUM));
            if (i % 600 == 0 && p.publish(of("cgroup:/web app", "step" + i, Alert.Severity.MEDIUM))) victim++;
        }
        assertThat(victim).as("every step of the attacked workload went out, at once").isEqualTo(5);
        long noisy = out.got.stream().filter(a -> a.kind().equals("anomaly") && a.profile().key().equals("cgroup:/admin bash")).count();
        assertThat(noisy).as("the noisy workload kept to its budget: a burst of 20, then one a second").isBetween(20L + 29, 20L + 31);
        List<Alert> floods = out.got.stream().filter(a -> a.kind().equals("flood")).toList();
        assertThat(floods).hasSize(1);
        assertThat(floods.getFirst().summary()).startsWith("cgroup:/admin bash raises profile alerts faster than its budget (60 a minute, bursts of 20)");
        assertThat(floods.getFirst().evidence()).containsEntry("workload", "cgroup:/admin bash");
        assertThat(p.counts()).containsEntry("floods", 1L).containsEntry("suppressed_rate", 3000L - noisy);
    }

    @Test
    void aHighOrCriticalAlertIsNeverDroppedByTheBudget() {
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ZERO, 60, 2, 1000), List.of(out), now::get);
        for (int i = 0; i < 10; i++) p.publish(of("cgroup:/web app", "m" + i, Alert.Severity.MEDIUM));
        for (int i = 0; i < 5; i++) assertThat(p.publish(of("cgroup:/web app", "h" + i, i % 2 == 0 ? Alert.Severity.HIGH : Alert.Severity.CRITICAL))).isTrue();
        assertThat(out.got.stream().filter(a -> a.severity().compareTo(Alert.Severity.HIGH) >= 0).count()).isEqualTo(5);
        assertThat(p.counts()).containsEntry("severe_over_budget", 5L).containsEntry("suppressed_rate", 8L);
    }

    @Test
    void aRepeatSuppressesOnlyItself() {
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ofHours(1), 60, 20, 1000), List.of(out), now::get);
        assertThat(p.publish(of("cgroup:/web app", "ran sh", Alert.Severity.HIGH))).isTrue();
        assertThat(p.publish(of("cgroup:/web app", "ran sh", Alert.Severity.HIGH))).isFalse();
        assertThat(p.publish(of("cgroup:/web app", "wrote /etc/cron.d/x", Alert.Severity.HIGH))).isTrue();
    }

    @Test
    void keysAreBoundedLeastRecentlySeenFirst() {
        AlertPipeline p = new AlertPipeline(new AlertPipeline.Limits(Duration.ofHours(1), 0, 0, 2), List.of(out), now::get);
        p.publish(alert("a"));
        p.publish(alert("b"));
        p.publish(alert("c")); // forgets a
        assertThat(p.publish(alert("a"))).as("a was forgotten").isTrue();
        assertThat(p.publish(alert("c"))).isFalse();
    }

    @Test
    void aBrokenOutputDoesNotSilenceTheOthers() {
        AlertOutput broken = new AlertOutput() {
            public String name() { return "broken"; }
            public void send(Alert a) { throw new IllegalStateException("bug"); }
            public Map<String, Long> counts() { return Map.of(); }
            public void close() { }
        };
        AlertPipeline p = new AlertPipeline(AlertPipeline.Limits.none(), List.of(broken, out), now::get);
        p.publish(alert("x"));
        assertThat(out.got).hasSize(1);
    }
}
