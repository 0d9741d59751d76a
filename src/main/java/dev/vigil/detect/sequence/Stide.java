package dev.vigil.detect.sequence;

import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.SequenceScore;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * STIDE (Forrest, Hofmeyr, Somayaji, Longstaff 1996; Warrender et al. 1999): the database
 * of every n-gram of calls seen in normal traces. A trace's score is the fraction of its
 * n-grams not in the database; the explanation is the unseen n-gram that starts the
 * densest run of mismatches (most mismatches in a locality frame of 20 n-grams).
 * A trace shorter than n is one short gram. Thread-safe after fit.
 */
public final class Stide implements SequenceDetector {
    static final int FRAME = 20;
    private final int n;
    private final Set<Long> grams = new HashSet<>();

    public Stide(int n) {
        if (n < 1 || n > 32) throw new IllegalArgumentException("stide n must be in 1..32, got " + n);
        this.n = n;
    }

    @Override public String name() { return "stide n=" + n; }

    @Override
    public void fit(List<int[]> normal) {
        for (int[] t : normal) {
            if (t.length < n) {
                grams.add(Grams.key(t, 0, t.length));
                continue;
            }
            for (int i = 0; i + n <= t.length; i++) grams.add(Grams.key(t, i, n));
        }
    }

    public int size() { return grams.size(); }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(n);
        out.writeInt(grams.size());
        for (long g : grams) out.writeLong(g);
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        int savedN = in.readInt(), count = in.readInt();
        if (savedN != n) throw new java.io.IOException("saved stide has n=" + savedN + ", this one n=" + n);
        grams.clear();
        for (int i = 0; i < count; i++) grams.add(in.readLong());
    }

    public boolean contains(int[] gram) { return grams.contains(Grams.key(gram, 0, gram.length)); }

    @Override
    public SequenceScore score(int[] t) {
        if (t.length == 0) return SequenceScore.of(0);
        if (t.length < n) {
            return grams.contains(Grams.key(t, 0, t.length)) ? SequenceScore.of(0) : new SequenceScore(1, 0, t.length);
        }
        int count = t.length - n + 1;
        boolean[] miss = new boolean[count];
        int misses = 0;
        for (int i = 0; i < count; i++) {
            if (!grams.contains(Grams.key(t, i, n))) {
                miss[i] = true;
                misses++;
            }
        }
        if (misses == 0) return SequenceScore.of(0);
        int best = -1, bestCount = -1, inFrame = 0;
        for (int i = 0; i < count; i++) {
            if (miss[i]) inFrame++;
            if (i >= FRAME && miss[i - FRAME]) inFrame--;
            if (miss[i] && inFrame > bestCount) {
                bestCount = inFrame;
                best = i;
            }
        }
        // the first mismatch of the densest frame ending at best
        int first = best;
        for (int i = Math.max(0, best - FRAME + 1); i <= best; i++) if (miss[i]) { first = i; break; }
        return new SequenceScore((double) misses / count, first, n);
    }
}
