package dev.vigil.detect.sequence;

import dev.vigil.syscall.SyscallMapping;
import java.util.List;

/**
 * An interpolated Kneser-Ney n-gram language model of system calls (Chen and Goodman 1998):
 * the probability of each call given the n-1 calls before it, with absolute discount D,
 * continuation counts for the lower orders, and a uniform floor over the calls seen in
 * training plus one for calls never seen. Traces are padded at the start with a marker,
 * so the first calls are predicted too. Not thread-safe during fit; thread-safe after.
 */
public final class NgramLanguageModel {
    static final int BOS = SyscallMapping.TOKEN_LIMIT - 1;
    private final int order;
    private final double discount;
    private final LongIntMap counts = new LongIntMap();
    private final LongIntMap seen = new LongIntMap();
    private final LongIntMap totals = new LongIntMap();
    private final LongIntMap types = new LongIntMap();
    private final boolean[] vocabulary = new boolean[SyscallMapping.TOKEN_LIMIT];
    private int vocabularySize;

    public NgramLanguageModel(int order, double discount) {
        if (order < 1 || order > 16) throw new IllegalArgumentException("n-gram order must be in 1..16, got " + order);
        if (!(discount > 0 && discount < 1)) throw new IllegalArgumentException("discount must be in (0,1), got " + discount);
        this.order = order;
        this.discount = discount;
    }

    public int order() { return order; }

    public void write(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(order);
        out.writeDouble(discount);
        for (LongIntMap m : List.of(counts, seen, totals, types)) m.write(out);
        out.writeInt(vocabularySize);
        for (boolean b : vocabulary) out.writeBoolean(b);
    }

    public static NgramLanguageModel read(java.io.DataInputStream in) throws java.io.IOException {
        NgramLanguageModel m;
        try {
            m = new NgramLanguageModel(in.readInt(), in.readDouble());
        } catch (IllegalArgumentException e) {
            throw new java.io.IOException(e.getMessage());
        }
        for (LongIntMap x : List.of(m.counts, m.seen, m.totals, m.types)) x.read(in);
        m.vocabularySize = in.readInt();
        for (int i = 0; i < m.vocabulary.length; i++) m.vocabulary[i] = in.readBoolean();
        return m;
    }

    public double discount() { return discount; }

    public void fit(List<int[]> traces) {
        for (int[] t : traces) {
            int[] p = padded(t);
            for (int i = order - 1; i < p.length; i++) {
                if (!vocabulary[p[i]]) {
                    vocabulary[p[i]] = true;
                    vocabularySize++;
                }
                boolean parentNew = increment(p, i, order);
                for (int k = order - 1; k >= 1; k--) {
                    if (parentNew) increment(p, i, k);
                    parentNew = seen.add(key(p, i, k), 1) == 0;
                }
            }
        }
    }

    /** Counts the k-gram ending at i; returns whether it was new. */
    private boolean increment(int[] p, int i, int k) {
        long ctx = Grams.key(p, i - k + 1, k - 1) ^ (k * 0x51AFD7ED558CCD1DL);
        boolean isNew = counts.add(key(p, i, k), 1) == 0;
        totals.add(ctx, 1);
        if (isNew) types.add(ctx, 1);
        return isNew;
    }

    private static long key(int[] p, int i, int k) {
        return Grams.key(p, i - k + 1, k);
    }

    int[] padded(int[] t) {
        int[] p = new int[t.length + order - 1];
        java.util.Arrays.fill(p, 0, order - 1, BOS);
        System.arraycopy(t, 0, p, order - 1, t.length);
        return p;
    }

    /** -ln P(call i | the calls before it) for every call of t. */
    public double[] surprise(int[] t) {
        int[] p = padded(t);
        double[] out = new double[t.length];
        double floor = 1.0 / (vocabularySize + 1);
        for (int i = order - 1; i < p.length; i++) {
            double prob = floor;
            for (int k = 1; k <= order; k++) {
                long ctx = Grams.key(p, i - k + 1, k - 1) ^ (k * 0x51AFD7ED558CCD1DL);
                int total = totals.get(ctx);
                if (total == 0) continue;
                int c = counts.get(key(p, i, k));
                prob = Math.max(c - discount, 0) / total + discount * types.get(ctx) / total * prob;
            }
            out[i - order + 1] = -Math.log(prob);
        }
        return out;
    }

    /** Mean surprise per call over all traces (the log of the perplexity). */
    public double meanSurprise(List<int[]> traces) {
        double sum = 0;
        long n = 0;
        for (int[] t : traces) {
            for (double s : surprise(t)) sum += s;
            n += t.length;
        }
        return n == 0 ? 0 : sum / n;
    }
}
