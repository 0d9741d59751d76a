package dev.vigil.detect;

import java.util.Arrays;

/**
 * evilsocket's feature: from cumulative per-syscall counts, the rate of change
 * {@code 1 - prev/cur} of every syscall since the previous sample (0 where cur is 0).
 * A sample exists only when the counts changed. The first sample after start compares
 * with all-zero counts, exactly as the reference tool does. Not thread-safe.
 */
public final class RateOfChange {
    private final long[] prev;

    public RateOfChange(int width) {
        this.prev = new long[width];
    }

    public int width() { return prev.length; }

    /**
     * Computes the deltas of cur against the previous counts into out and remembers cur.
     * @return false (and leaves out untouched) when nothing changed
     */
    public boolean next(long[] cur, double[] out) {
        if (Arrays.equals(prev, 0, prev.length, cur, 0, prev.length)) return false;
        deltas(prev, cur, out);
        System.arraycopy(cur, 0, prev, 0, prev.length);
        return true;
    }

    /** out[i] = 1 - prev[i]/cur[i], or 0 when cur[i] is 0. */
    public static void deltas(long[] prev, long[] cur, double[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = cur[i] != 0 ? 1.0 - ((double) prev[i] / (double) cur[i]) : 0.0;
        }
    }
}
