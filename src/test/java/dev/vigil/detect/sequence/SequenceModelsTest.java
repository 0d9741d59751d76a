package dev.vigil.detect.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.detect.SequenceScore;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceModelsTest {
    @Test
    void lookaheadPairsAsComputedByHand() {
        // a b c a with w = 3: pairs (b,a,1) (c,b,1) (c,a,2) (a,c,1) (a,b,2)
        Lookahead l = new Lookahead(3);
        l.fit(List.of(new int[] {1, 2, 3, 1}));
        LookaheadPairs p = l.pairs();
        assertThat(p.pairs()).isEqualTo(5);
        assertThat(p.bits(2, 1)).isEqualTo(0b01);
        assertThat(p.bits(3, 2)).isEqualTo(0b01);
        assertThat(p.bits(3, 1)).isEqualTo(0b10);
        assertThat(p.bits(1, 3)).isEqualTo(0b01);
        assertThat(p.bits(1, 2)).isEqualTo(0b10);
        assertThat(p.bits(2, 3)).isZero();
        // the same trace: no anomalies; a b a: (a,b,1) is new -> 1 of 3 calls anomalous, at call 2 with 2 before it
        assertThat(l.score(new int[] {1, 2, 3, 1}).score()).isZero();
        SequenceScore s = l.score(new int[] {1, 2, 1});
        assertThat(s.score()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(s.at()).isZero();
        assertThat(s.length()).isEqualTo(3);
        // (a,b,1) is new and so is (a,a,2): two mismatching pairs, still one anomalous call
        LookaheadPairs.Window w = p.newWindow();
        w.push(1);
        w.push(2);
        assertThat(p.mismatches(w, 1)).isEqualTo(2);
    }

    @Test
    void stideAsComputedByHand() {
        Stide s = new Stide(3);
        s.fit(List.of(new int[] {1, 2, 3, 4, 1, 2, 3}));
        assertThat(s.size()).isEqualTo(4); // 123 234 341 412
        assertThat(s.contains(new int[] {3, 4, 1})).isTrue();
        assertThat(s.contains(new int[] {4, 3, 2})).isFalse();
        // 1 2 3 9 1 2 : grams 123 ok, 239 new, 391 new, 912 new -> 3/4
        SequenceScore sc = s.score(new int[] {1, 2, 3, 9, 1, 2});
        assertThat(sc.score()).isEqualTo(0.75);
        assertThat(sc.at()).isEqualTo(1);
        assertThat(s.score(new int[] {2, 3, 4, 1}).score()).isZero();
    }

    @Test
    void ngramProbabilitiesSumToOne() {
        NgramLanguageModel m = new NgramLanguageModel(3, 0.7);
        m.fit(List.of(new int[] {1, 2, 3, 1, 2, 4, 1, 2, 3}, new int[] {2, 3, 1, 5}));
        int[] vocab = {1, 2, 3, 4, 5};
        for (int[] ctx : new int[][] {{1, 2}, {2, 3}, {5, 5}, {9, 9}}) {
            double sum = 0;
            for (int w : vocab) sum += Math.exp(-m.surprise(new int[] {ctx[0], ctx[1], w})[2]);
            sum += Math.exp(-m.surprise(new int[] {ctx[0], ctx[1], 77})[2]); // every unseen call shares one slot
            assertThat(sum).as("context %d %d", ctx[0], ctx[1]).isCloseTo(1.0, within(1e-9));
        }
        // after "1 2" the model expects 3 more than 4 (seen twice vs once)
        assertThat(m.surprise(new int[] {1, 2, 3})[2]).isLessThan(m.surprise(new int[] {1, 2, 4})[2]);
    }
}
