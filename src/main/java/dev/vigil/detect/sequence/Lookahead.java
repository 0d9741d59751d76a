package dev.vigil.detect.sequence;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import java.util.List;

/**
 * pH's lookahead-pair detector over whole traces, the offline twin of the kernel profile:
 * each trace is one task starting with an empty window. A trace's score is the fraction
 * of its calls that are anomalous (at least one unseen pair); the explanation is the
 * first anomalous call with the calls that led to it. Thread-safe after fit.
 */
public final class Lookahead implements SequenceDetector {
    private final LookaheadPairs pairs;

    public Lookahead(int window) { pairs = new LookaheadPairs(window); }

    @Override public String name() { return "lookahead w=" + pairs.window(); }

    public LookaheadPairs pairs() { return pairs; }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException { pairs.write(out); }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException { pairs.read(in); }

    @Override
    public void fit(List<int[]> normal) {
        for (int[] t : normal) {
            LookaheadPairs.Window w = pairs.newWindow();
            for (int c : t) {
                pairs.train(w, c);
                w.push(c);
            }
        }
    }

    @Override
    public SequenceScore score(int[] t) {
        if (t.length == 0) return SequenceScore.of(0);
        LookaheadPairs.Window w = pairs.newWindow();
        int anomalies = 0, first = -1, firstDistance = 0;
        for (int i = 0; i < t.length; i++) {
            int d = pairs.firstMismatch(w, t[i]);
            if (d > 0) {
                anomalies++;
                if (first < 0) {
                    first = i;
                    firstDistance = w.filled();
                }
            }
            w.push(t[i]);
        }
        if (first < 0) return SequenceScore.of(0);
        return new SequenceScore((double) anomalies / t.length, first - firstDistance, firstDistance + 1);
    }
}
