package dev.vigil.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.syscall.SyscallTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * pH's locality frame as the alert rule: an unseen sequence is an alert only once its thread
 * made alert_frame anomalous calls in its last 128; isolated ones (a rare path of a threaded
 * service) are counted, not raised; state changes always pass.
 */
class SequenceFrameTest {
    static final ProfileKey KEY = new ProfileKey(4242, 77);

    static KernelEvent.Anomaly anomaly(int tgid, int lfc) {
        return new KernelEvent.Anomaly(tgid, tgid, "python3.11", KEY, 202, new int[] {202, 202, 1, 202}, 1, lfc, 300_000, lfc,
                SequenceProfile.NORMAL, 0);
    }

    static SequenceDetector detector(int frame, Duration burst, List<Alert> out) {
        SequenceDetector d = new SequenceDetector("h", SyscallTable.host(), new ProcessDescriber(new ProcessContext(), false), 12, 50_000, burst,
                frame, (p, c) -> true, out::add);
        d.paths().put(KEY, "/usr/bin/python3.11");
        return d;
    }

    @Test
    void isolatedAnomaliesAreCountedAndAThreadReachingTheFrameIsAnAlert() {
        List<Alert> out = new ArrayList<>();
        SequenceDetector d = detector(6, Duration.ZERO, out);
        for (int lfc = 1; lfc <= 5; lfc++) d.accept(anomaly(900_001, lfc));
        assertThat(out).as("5 anomalies in 128 calls: under the frame of 6").isEmpty();
        assertThat(d.belowFrame()).isEqualTo(5);
        d.accept(anomaly(900_001, 6));
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().evidence()).containsEntry("anomalies_in_last_128", 6);
        d.accept(new KernelEvent.StateChange(900_002, 900_002, "python3.11", KEY, SequenceProfile.NORMAL, SequenceProfile.REASON_TRAINED, 0,
                300_000, 0));
        assertThat(out).as("a state change is not an anomaly").hasSize(2);
    }

    @Test
    void aBurstIsJudgedByItsWorstFrameAndFrameOneIsWatchsEveryAnomaly() {
        List<Alert> out = new ArrayList<>();
        SequenceDetector d = detector(6, Duration.ofSeconds(2), out);
        // one process: three isolated anomalies (a burst whose worst frame is 1); another: a burst reaching 7
        for (int i = 0; i < 3; i++) d.accept(anomaly(900_003, 1));
        for (int lfc = 1; lfc <= 7; lfc++) d.accept(anomaly(900_004, lfc));
        d.due(null);
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().process().pid()).isEqualTo(900_004);
        assertThat(out.getFirst().evidence()).containsEntry("burst_anomalies", 7).containsEntry("burst_max_anomalies_in_last_128", 7);
        assertThat(d.belowFrame()).as("the quiet burst's three").isEqualTo(3);

        List<Alert> every = new ArrayList<>();
        SequenceDetector watch = detector(1, Duration.ZERO, every);
        watch.accept(anomaly(900_005, 1));
        assertThat(every).hasSize(1);
        assertThat(watch.belowFrame()).isZero();
    }
}
