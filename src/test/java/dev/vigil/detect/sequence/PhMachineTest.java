package dev.vigil.detect.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The twin's state machine on hand-made sequences whose events can be worked out by hand. */
class PhMachineTest {
    static int[] loop(int times, int... calls) {
        int[] out = new int[times * calls.length];
        for (int i = 0; i < out.length; i++) out[i] = calls[i % calls.length];
        return out;
    }

    @Test
    void trainsTurnsNormalAtTheStableCallFlagsAndTolerizes() {
        PhMachine m = new PhMachine(new PhMachine.Settings(3, 10, 5, 2));
        List<PhMachine.Event> ev = new ArrayList<>();
        m.exec(1, 1, "x");
        // 1 2 3 1 2 3 ...: pairs (d=1,2) are new at calls 2, 3, 4 (3->1 and 2->1 at d=2 first seen at call 4, 3 at d=2 at call 5)
        for (int c : loop(5, 1, 2, 3)) m.call(1, c, ev::add);
        assertThat(ev).hasSize(1);
        PhMachine.StateChange s = (PhMachine.StateChange) ev.getFirst();
        assertThat(s.state()).isEqualTo(PhMachine.NORMAL);
        assertThat(s.calls()).as("calls >= 10 and 5 calls since the last new pair (call 5)").isEqualTo(10);
        assertThat(m.profile("x").pairs()).isEqualTo(6);
        ev.clear();
        // 4 is unseen after anything: one anomaly per 4 (misses = both distances), then after 3 in 128 calls > 2: tolerized
        for (int c : new int[] {4, 4, 4}) m.call(1, c, ev::add);
        assertThat(ev).extracting(e -> e.getClass().getSimpleName()).containsExactly("Anomaly", "Anomaly", "Anomaly", "StateChange");
        PhMachine.Anomaly first = (PhMachine.Anomaly) ev.getFirst();
        assertThat(first.misses()).isEqualTo(2);
        assertThat(first.lfc()).isEqualTo(1);
        assertThat(first.window()).startsWith(3, 2, 1);
        PhMachine.StateChange tol = (PhMachine.StateChange) ev.get(3);
        assertThat(tol.reason()).isEqualTo(PhMachine.REASON_TOLERIZED);
        assertThat(m.profile("x").tolerized()).isEqualTo(1);
        assertThat(m.profile("x").state()).isEqualTo(PhMachine.TRAINING);
    }

    @Test
    void forkCopiesTheWindowAndExecEmptiesIt() {
        PhMachine m = new PhMachine(new PhMachine.Settings(3, 1_000_000, 1, 12));
        m.exec(1, 1, "x");
        for (int c : new int[] {1, 2}) m.call(1, c, e -> { });
        m.fork(1, 2, 2);
        m.call(2, 3, e -> { });
        assertThat(m.profile("x").pairs()).as("(3,2,1) and (3,1,2) from the copied window, after (2,1,1)").isEqualTo(3);
        m.exec(2, 2, "y");
        m.call(2, 3, e -> { });
        assertThat(m.profile("y").pairs()).as("an empty window after exec").isZero();
        m.call(2, 600, e -> { });
        assertThat(m.profile("y").calls()).as("numbers the kernel's maps cannot hold are skipped").isEqualTo(1);
    }

    @Test
    void theDetectorScoresTheLocalityFrameAndLeavesItsModelAlone() {
        PhDetector d = new PhDetector(3, 12);
        d.fit(List.of(loop(20, 1, 2, 3), loop(10, 1, 2, 3)));
        long pairs = d.profile().pairs();
        assertThat(d.score(loop(30, 1, 2, 3)).score()).isZero();
        int[] odd = loop(30, 1, 2, 3);
        odd[40] = 9;
        odd[41] = 9;
        var s = d.score(odd);
        // ... 1 | 9 9 1 2 | 3: both 9s, the 1 after them (9 at distances 1, 2) and the 2 (9 at distance 2) are anomalies
        assertThat(s.score()).as("4 in the frame + 4 anomalous calls of 90").isCloseTo(4 + 4 / 90.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.at() + s.length() - 1).as("the frame ends at the call that reached the largest count").isEqualTo(43);
        assertThat(d.score(odd).score()).as("scoring changed nothing").isEqualTo(s.score());
        assertThat(d.profile().pairs()).isEqualTo(pairs);
    }
}
