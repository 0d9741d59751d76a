package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RocTest {
    @Test
    void perfectSeparationIsOne() {
        Roc r = Roc.of(new double[] {0.1, 0.2, 0.3}, new double[] {0.4, 0.5});
        assertThat(r.auc()).isEqualTo(1.0);
        assertThat(r.detectionAt(0.0)).isEqualTo(1.0);
    }

    @Test
    void reversedIsZero() {
        assertThat(Roc.of(new double[] {5, 6}, new double[] {1, 2, 3}).auc()).isEqualTo(0.0);
    }

    @Test
    void tiesCountOneHalf() {
        // pairs (attack, normal): (2,1)=1 (2,2)=1/2 (3,1)=1 (3,2)=1 -> 3.5 / 4
        assertThat(Roc.of(new double[] {1, 2}, new double[] {2, 3}).auc()).isEqualTo(0.875);
        // all equal: 1/2
        assertThat(Roc.of(new double[] {7, 7, 7}, new double[] {7, 7}).auc()).isEqualTo(0.5);
    }

    @Test
    void detectionAtFalseAlarmRate() {
        // 10 normal scores 1..10, attacks 5.5, 9.5, 10, 11
        double[] normal = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        double[] attack = {5.5, 9.5, 10, 11};
        Roc r = Roc.of(normal, attack);
        // threshold 11: 0 normal flagged, 1 attack
        assertThat(r.detectionAt(0.0)).isEqualTo(0.25);
        // threshold 10 flags normal 10 (10 %) and attacks 10, 11; threshold 9.5 adds 9.5 still at 10 %
        assertThat(r.detectionAt(0.10)).isEqualTo(0.75);
        assertThat(r.thresholdAt(0.10)).isEqualTo(9.5);
        // 5 % allows no normal trace here
        assertThat(r.detectionAt(0.05)).isEqualTo(0.25);
        // 50 %: threshold 5.5 flags normals 6..10 -> all attacks
        assertThat(r.detectionAt(0.5)).isEqualTo(1.0);
        // Mann-Whitney by hand: 5.5 beats 5, 9.5 beats 9, 10 beats 9 and ties 1, 11 beats 10
        assertThat(r.auc()).isCloseTo((5 + 9 + 9.5 + 10) / 40.0, within(1e-12));
    }

    @RepeatedTest(20)
    void aucEqualsPairCountingOnRandomScores() {
        Random rnd = new Random(System.nanoTime());
        double[] n = new double[1 + rnd.nextInt(30)], a = new double[1 + rnd.nextInt(30)];
        for (int i = 0; i < n.length; i++) n[i] = rnd.nextInt(8);
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextInt(8) + 1;
        double pairs = 0;
        for (double x : a) for (double y : n) pairs += x > y ? 1 : x == y ? 0.5 : 0;
        assertThat(Roc.of(n, a).auc()).isCloseTo(pairs / (n.length * a.length), within(1e-12));
    }
}
