package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detect.sequence.PhMachine;
import dev.vigil.event.KernelEvent.Anomaly;
import dev.vigil.event.KernelEvent.NewProfile;
import dev.vigil.event.KernelEvent.StateChange;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.testing.KernelTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's profile state machine (sequence.bpf.c) and its Java twin (PhMachine) given the
 * same calls report the same events, field for field: with min-calls 1 and stable-calls 1 a
 * profile turns normal after its first call, then every unseen pair is an anomaly until the
 * locality frame passes the tolerize limit, then it trains, turns normal again, and so on:
 * every branch of the machine, many times over.
 */
@KernelTest
class SequenceTwinKernelTest {
    static String describe(KernelEvent.Sequence e) {
        return switch (e) {
            case Anomaly a -> "anomaly " + a.syscall() + " misses=" + a.misses() + " lfc=" + a.lfc() + " calls=" + a.calls()
                    + " anomalies=" + a.anomalies() + " window=" + Arrays.toString(a.window());
            case StateChange s -> "state " + s.state() + " reason=" + s.reason() + " at=" + s.syscall() + " calls=" + s.calls() + " anomalies=" + s.anomalies();
            case KernelEvent.NewProfile n -> "new";
        };
    }

    static String describe(PhMachine.Event e) {
        return switch (e) {
            case PhMachine.Anomaly a -> "anomaly " + a.syscall() + " misses=" + a.misses() + " lfc=" + a.lfc() + " calls=" + a.calls()
                    + " anomalies=" + a.anomalies() + " window=" + Arrays.toString(a.window());
            case PhMachine.StateChange s -> "state " + s.state() + " reason=" + s.reason() + " at=" + s.syscall() + " calls=" + s.calls()
                    + " anomalies=" + s.anomalies();
        };
    }

    @Test
    void kernelAndJavaTwinGiveTheSameEventsOnTheSameCalls(@TempDir Path dir) throws Exception {
        Path a = SequenceKernelTest.copy(dir, "twin-a");
        ProfileKey ka = ProfileKey.of(a);
        int window = 9, tolerize = 12;
        var settings = new SequenceSensor.Settings(window, 1, 1, tolerize, 64, 4096, List.of(ka));
        PhMachine twin = new PhMachine(new PhMachine.Settings(window, 1, 1, tolerize));
        List<String> kernel = new ArrayList<>(), java = new ArrayList<>();
        int[][] runs = {{0, 200}, {1, 200}, {0, 200}, {1, 50}, {1, 7}};
        try (SequenceSensor c = SequenceSensor.open(settings, e -> {
            if (!(e instanceof KernelEvent.NewProfile)) kernel.add(describe(e));
        })) {
            c.attach();
            int tid = 1;
            for (int[] r : runs) {
                SequenceKernelTest.run(a, Integer.toString(r[0]), Integer.toString(r[1]));
                SequenceKernelTest.drain(c);
                twin.exec(tid, tid, a.toString());
                for (int call : SequenceKernelTest.calls(r[0], r[1])) twin.call(tid, call, e -> java.add(describe(e)));
                twin.exit(tid++);
            }
            assertThat(c.stats().get("lost")).isZero();
            SequenceProfile kp = c.profiles().stream().filter(p -> p.key().equals(ka)).findFirst().orElseThrow();
            PhMachine.Profile jp = twin.profile(a.toString());
            assertThat(new long[] {jp.calls(), jp.pairs(), jp.anomalies(), jp.tolerized(), jp.state()})
                    .containsExactly(kp.calls(), kp.pairs(), kp.anomalies(), kp.tolerized(), kp.state());
        }
        assertThat(java.stream().filter(l -> l.contains("reason=2")).count()).as("tolerized").isEqualTo(1);
        assertThat(java.stream().filter(l -> l.contains("reason=1")).count()).as("turned normal: first call, after tolerizing").isGreaterThan(1);
        assertThat(java.stream().filter(l -> l.startsWith("anomaly")).count()).isGreaterThan(20);
        assertThat(kernel).isEqualTo(java);
    }
}
