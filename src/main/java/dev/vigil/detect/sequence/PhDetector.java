package dev.vigil.detect.sequence;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import java.util.List;

/**
 * `evaluate --detector watch`: the kernel's profile state machine ({@link PhMachine}) over
 * recorded traces. fit trains one executable's profile on every normal trace (each a task
 * with an empty window) and normalizes it; score runs a trace as a new task against a copy
 * of that profile, exactly as the kernel would, tolerization included. The score is the
 * largest locality-frame count the trace reached (anomalous calls among its last 128, pH's
 * measure) plus the fraction of its calls that were anomalies (to order traces that reach
 * the same count); the explanation is the 128 calls up to the first call that reached it.
 * Thread-safe after fit.
 */
public final class PhDetector implements SequenceDetector {
    private static final String KEY = "trace";
    private final PhMachine.Settings settings;
    private PhMachine.Profile fitted;

    public PhDetector(int window, int tolerizeLimit) {
        settings = new PhMachine.Settings(window, Long.MAX_VALUE, 1, tolerizeLimit);
    }

    @Override
    public String name() { return "watch w=" + settings.window() + " tolerize=" + settings.tolerizeLimit(); }

    @Override
    public void fit(List<int[]> normal) {
        PhMachine m = new PhMachine(settings);
        int tid = 1;
        for (int[] t : normal) m.run(tid++, KEY, t);
        fitted = m.profile(KEY);
        fitted.normalize();
    }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        if (fitted == null) throw new IllegalStateException("fit first");
        fitted.write(out);
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        fitted = PhMachine.Profile.read(in, settings.window());
    }

    /** The fitted profile (tests). */
    public PhMachine.Profile profile() { return fitted; }

    @Override
    public SequenceScore score(int[] calls) {
        if (fitted == null) throw new IllegalStateException("fit first");
        PhMachine m = new PhMachine(settings);
        m.put(KEY, fitted.copy());
        m.exec(1, 1, KEY);
        int[] best = {0, -1}; // the largest frame count and the call that first reached it
        int anomalies = 0;
        for (int i = 0; i < calls.length; i++) {
            final int at = i;
            int[] lfc = {-1};
            m.call(1, calls[i], e -> {
                if (e instanceof PhMachine.Anomaly a) lfc[0] = a.lfc();
            });
            if (lfc[0] < 0) continue;
            anomalies++;
            if (lfc[0] > best[0]) {
                best[0] = lfc[0];
                best[1] = at;
            }
        }
        if (best[1] < 0) return SequenceScore.of(0);
        int from = Math.max(0, best[1] - PhMachine.FRAME + 1);
        return new SequenceScore(best[0] + (double) anomalies / calls.length, from, best[1] - from + 1);
    }
}
