package dev.vigil.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.detect.sequence.Stide;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class WindowScorerTest {
    @Test
    void windowsOfATraceByHand() {
        WindowScorer w = new WindowScorer(4, 2);
        assertThat(w.windows(0)).isEmpty();
        assertThat(w.windows(3)).containsExactly(new int[] {0, 3});
        assertThat(w.windows(4)).containsExactly(new int[] {0, 4});
        assertThat(w.windows(7)).containsExactly(new int[] {0, 4}, new int[] {2, 6}, new int[] {3, 7});
        assertThat(w.windows(8)).containsExactly(new int[] {0, 4}, new int[] {2, 6}, new int[] {4, 8});
        assertThatThrownBy(() -> new WindowScorer(4, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WindowScorer(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A live stream emits exactly the windows (and calls) that windows() gives for the whole trace. */
    @RepeatedTest(50)
    void aLiveStreamEmitsTheWindowsOfTheWholeTrace(RepetitionInfo rep) {
        Random rnd = new Random(rep.getCurrentRepetition());
        int window = rnd.nextInt(1, 30), step = rnd.nextInt(1, window + 1), length = rnd.nextInt(0, 200);
        int[] trace = rnd.ints(length, 0, 50).toArray();
        WindowScorer w = new WindowScorer(window, step);
        WindowScorer.Stream s = w.stream();
        List<int[]> live = new ArrayList<>();
        for (int c : trace) {
            WindowScorer.Window x = s.add(c);
            if (x != null) live.add(check(trace, x));
        }
        WindowScorer.Window tail = s.finish();
        if (tail != null) live.add(check(trace, tail));
        assertThat(live).as("window %d step %d length %d", window, step, length).containsExactlyElementsOf(w.windows(length));
        assertThat(s.finish()).isNull();
    }

    private static int[] check(int[] trace, WindowScorer.Window x) {
        int start = (int) x.start();
        assertThat(x.calls()).containsExactly(Arrays.copyOfRange(trace, start, start + x.calls().length));
        return new int[] {start, start + x.calls().length};
    }

    @Test
    void thresholdIsTheWorstHeldOutWindow() {
        Stide stide = new Stide(2);
        stide.fit(List.of(new int[] {1, 2, 3, 1, 2, 3}));
        WindowScorer w = new WindowScorer(3, 3);
        // windows of {1,2,3,1,9,3}: [1,2,3] -> 0 unseen of 2; [1,9,3] -> 2 of 2
        assertThat(w.heldOutMax(stide, List.of(new int[] {1, 2, 3, 1, 2, 3}))).isEqualTo(0.0);
        assertThat(w.heldOutMax(stide, List.of(new int[] {1, 2, 3}, new int[] {1, 2, 3, 1, 9, 3}))).isEqualTo(1.0);
        assertThat(w.heldOutMax(stide, List.of(new int[] {1, 2, 3, 3}))).isEqualTo(0.5); // windows [1,2,3] and [2,3,3]
    }
}
