package dev.vigil.detect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateOfChangeTest {
    @Test
    void deltasAreOneMinusPrevOverCurAndZeroWhereCurIsZero() {
        RateOfChange r = new RateOfChange(4);
        double[] out = new double[4];
        assertThat(r.next(new long[] {0, 0, 0, 0}, out)).isFalse(); // no change from the start
        assertThat(r.next(new long[] {10, 0, 4, 0}, out)).isTrue();
        assertThat(out).containsExactly(1.0, 0.0, 1.0, 0.0); // first sample: everything new
        assertThat(r.next(new long[] {10, 0, 4, 0}, out)).isFalse(); // unchanged: no sample
        assertThat(r.next(new long[] {20, 0, 5, 3}, out)).isTrue();
        assertThat(out).containsExactly(0.5, 0.0, 1.0 - 4.0 / 5.0, 1.0);
    }
}
