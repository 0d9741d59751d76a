package dev.vigil.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.eval.DetectorSpec;
import dev.vigil.eval.Roc;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every detector must separate a synthetic program from the same program with a reverse shell injected, reproducibly. */
class SequenceDetectorsTest {
    static final String[] SPECS = {"stide:n=6", "lookahead:w=9", "knn:k=1", "autoencoder:window=20,stride=10,epochs=15,batch=32",
        "ngram-lm", "gru-lm:hidden=24,epochs=6,batch=16", "ensemble"};

    static double[] scores(SequenceDetector d, List<int[]> traces) {
        return d.scoreAll(traces).stream().mapToDouble(SequenceScore::score).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stide:n=6", "lookahead:w=9", "watch", "watch:w=6,tolerize=4", "knn:k=1", "autoencoder:window=20,stride=10,epochs=15,batch=32",
        "ngram-lm", "ngram-lm:frame=32", "gru-lm:hidden=24,epochs=6,batch=16", "mix-lm:hidden=24,epochs=6,batch=16", "ensemble"})
    void separatesNormalFromInjectedShell(String spec) {
        List<int[]> train = Synthetic.normals(1, 200);
        List<int[]> normal = Synthetic.normals(2, 100);
        List<int[]> attack = Synthetic.anomalies(3, 100);
        double[] first;
        try (SequenceDetector d = DetectorSpec.create(spec, 7)) {
            d.fit(train);
            first = scores(d, normal);
            double auc = Roc.of(first, scores(d, attack)).auc();
            assertThat(auc).as(d.name()).isGreaterThanOrEqualTo(0.95);
            // the explanation points into the trace
            for (SequenceScore s : d.scoreAll(attack)) assertThat(s.at()).isBetween(0, 400);
        }
        // same data, same seed: the same scores
        byte[] saved;
        try (SequenceDetector again = DetectorSpec.create(spec, 7)) {
            again.fit(train);
            assertThat(scores(again, normal)).containsExactly(first);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                again.save(out);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            saved = bytes.toByteArray();
        }
        // saved and loaded, never fitted: the same scores and the same name
        try (SequenceDetector loaded = DetectorSpec.create(spec, 7)) {
            loaded.load(new java.io.DataInputStream(new java.io.ByteArrayInputStream(saved)));
            assertThat(scores(loaded, normal)).containsExactly(first);
            assertThat(scores(loaded, attack)).hasSize(attack.size());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @org.junit.jupiter.api.Test
    void ngramFrameScoresTheWorstFrameNotTheWholeTrace() {
        List<int[]> train = Synthetic.normals(1, 200);
        int[] normal = Synthetic.normals(2, 1).getFirst();
        try (SequenceDetector whole = DetectorSpec.create("ngram-lm:n=3,d=0.85", 7);
             SequenceDetector framed = DetectorSpec.create("ngram-lm:n=3,d=0.85,frame=16", 7)) {
            whole.fit(train);
            framed.fit(train);
            // a 10-call burst of unseen calls in the middle of a long normal trace
            int[] burst = normal.clone();
            int mid = burst.length / 2;
            for (int i = 0; i < 10; i++) burst[mid + i] = 300 + i;
            double wholeGain = whole.score(burst).score() - whole.score(normal).score();
            double frameGain = framed.score(burst).score() - framed.score(normal).score();
            assertThat(frameGain).as("the burst dominates its frame, not the trace").isGreaterThan(1.5 * wholeGain);
            SequenceScore at = framed.score(burst);
            assertThat(at.length()).isEqualTo(16);
            assertThat(at.at()).isBetween(mid - 15, mid + 9);
            // shorter than the frame: the mean
            int[] shortTrace = java.util.Arrays.copyOf(normal, 10);
            assertThat(framed.score(shortTrace).score()).isEqualTo(whole.score(shortTrace).score());
        }
    }

    @org.junit.jupiter.api.Test
    void mixtureWeightIsChosenOnHeldOutNormalTracesAndMixesProbabilities() {
        // -ln(0.5 e^-1 + 0.5 e^-3) by hand
        assertThat(dev.vigil.detect.neural.MixtureLanguageModel.mixForTest(0.5, 1, 3))
                .isCloseTo(-Math.log(0.5 * Math.exp(-1) + 0.5 * Math.exp(-3)), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(dev.vigil.detect.neural.MixtureLanguageModel.mixForTest(1, 1, 3)).isEqualTo(1);
        assertThat(dev.vigil.detect.neural.MixtureLanguageModel.mixForTest(0, 1, 3)).isEqualTo(3);
        try (var m = (dev.vigil.detect.neural.MixtureLanguageModel) DetectorSpec.create("mix-lm:hidden=24,epochs=4,batch=16", 7)) {
            m.fit(Synthetic.normals(1, 120));
            assertThat(m.selection()).hasSize(11);
            assertThat(m.weight()).isBetween(0.0, 1.0);
            // the chosen weight has the lowest held-out surprise of those tried
            double chosen = Double.parseDouble(m.selection().get((int) Math.round(m.weight() * 10)).replaceAll(".*surprise ([0-9.]+).*", "$1"));
            for (String line : m.selection()) {
                assertThat(Double.parseDouble(line.replaceAll(".*surprise ([0-9.]+).*", "$1"))).isGreaterThanOrEqualTo(chosen);
            }
        }
    }
}
