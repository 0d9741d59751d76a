package dev.vigil.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bursts of unseen sequences: one alert per burst with its count, bursts apart stay apart, a lone anomaly is itself. */
class SequenceBurstsTest {
    static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");

    static Alert anomaly(int pid, long atMs, String call, int lfc) {
        return Alert.builder(SequenceAlerts.DETECTOR, "anomaly").time(T0.plusMillis(atMs)).host("h").severity(Alert.Severity.LOW)
                .summary("python3.11 (pid " + pid + ") made a system-call sequence its profile never saw: " + call)
                .process(new ProcessRef(pid, pid, 1, 0, "python3.11", "/usr/bin/python3.11", List.of(), "", "", dev.vigil.alert.ContainerRef.NONE))
                .evidence("syscall", call).evidence("sequence", List.of("gettid", "mmap")).evidence("anomalies_in_last_128", lfc)
                .profile("/usr/bin/python3.11", "normal").dedupKey("sequence|/usr/bin/python3.11|" + call + "|gettid,mmap").build();
    }

    @Test
    void aBurstIsOneAlertWithItsCountAndALoneAnomalyIsItself() {
        SequenceBursts b = new SequenceBursts(Duration.ofSeconds(2), Duration.ofSeconds(20));
        List<Alert> out = new ArrayList<>();
        // pid 1: 40 anomalies 0.1 s apart (4 distinct); pid 2: one anomaly
        for (int i = 0; i < 40; i++) out.addAll(b.offer(anomaly(1, i * 100L, List.of("futex", "madvise", "munmap", "clone3").get(i % 4), i % 13)));
        out.addAll(b.offer(anomaly(2, 1000, "openat", 1)));
        assertThat(out).as("nothing closed while the bursts go on").isEmpty();
        out.addAll(b.due(T0.plusMillis(5800)));
        assertThat(out).as("pid 2 quiet for 2 s; pid 1 not yet").hasSize(1);
        out.addAll(b.due(T0.plusMillis(5900)));
        assertThat(out).hasSize(2);
        Alert burst = out.stream().filter(a -> a.process().pid() == 1).findFirst().orElseThrow();
        assertThat(burst.summary()).isEqualTo("python3.11 (pid 1) made 40 system-call sequences its profile never saw in 3.9 s (4 distinct, up to 12 anomalous "
                + "in 128 calls); the first: futex after [gettid mmap]");
        assertThat(burst.evidence()).containsEntry("burst_anomalies", 40).containsEntry("burst_distinct", 4)
                .containsEntry("burst_sequences", List.of("futex after [gettid mmap]", "madvise after [gettid mmap]", "munmap after [gettid mmap]",
                        "clone3 after [gettid mmap]"));
        assertThat(burst.dedupKey()).isEqualTo("sequence|/usr/bin/python3.11|futex|gettid,mmap");
        Alert lone = out.stream().filter(a -> a.process().pid() == 2).findFirst().orElseThrow();
        assertThat(lone.summary()).isEqualTo("python3.11 (pid 2) made a system-call sequence its profile never saw: openat");
        assertThat(b.folded()).isEqualTo(39);

        // 10 s later the same process bursts again: a new alert; a burst never outlasts the longest window
        List<Alert> again = new ArrayList<>();
        for (int i = 0; i < 300; i++) again.addAll(b.offer(anomaly(1, 14_000 + i * 100L, "futex", 1)));
        assertThat(again).as("cut at 20 s").hasSize(1);
        assertThat(again.getFirst().evidence()).containsEntry("burst_anomalies", 200);
        assertThat(b.due(null)).hasSize(1);
    }

    @Test
    void otherAlertsPassStraightThrough() {
        SequenceBursts b = new SequenceBursts(Duration.ofSeconds(2), Duration.ofSeconds(20));
        Alert state = Alert.builder(SequenceAlerts.DETECTOR, "profile_state").time(T0).host("h").summary("normal").dedupKey("k").build();
        assertThat(b.offer(state)).containsExactly(state);
        Alert zero = anomaly(1, 0L, "futex", 1);
        assertThat(new SequenceBursts(Duration.ZERO, Duration.ZERO).offer(zero)).containsExactly(zero);
    }
}
