package dev.vigil.detect.sequence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * pH's lookahead-pair profile (Somayaji 2002; ebpH, Findlay 2020), the model vigil also
 * runs in the kernel: for the current call c and each previous call p at distance
 * d = 1..w-1, the pair (c, p, d) is recorded. A call is anomalous when at least one of its
 * pairs was never recorded. Pairs live in a map from (c, p) to a byte whose bit d-1 says
 * distance d was seen, the same layout as the kernel's map, so memory grows with the pairs
 * a program really uses instead of pH's fixed 450 x 450 table.
 * Not thread-safe; {@link Window} is per task.
 */
public final class LookaheadPairs {
    public static final int MAX_WINDOW = 9;
    private final int window;
    private long[] keys = new long[1024];
    private byte[] bits = new byte[1024];
    private int size;
    private long pairs;

    public LookaheadPairs(int window) {
        if (window < 2 || window > MAX_WINDOW) throw new IllegalArgumentException("lookahead window must be in 2.." + MAX_WINDOW + ", got " + window);
        this.window = window;
        Arrays.fill(keys, -1);
    }

    public int window() { return window; }

    public void write(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(window);
        out.writeInt(keys.length);
        out.writeInt(size);
        out.writeLong(pairs);
        for (int i = 0; i < keys.length; i++) {
            out.writeLong(keys[i]);
            out.writeByte(bits[i]);
        }
    }

    /** Replaces this model's pairs with what write wrote (the same window). */
    public void read(java.io.DataInputStream in) throws java.io.IOException {
        int w = in.readInt(), n = in.readInt();
        if (w != window) throw new java.io.IOException("saved pairs have window " + w + ", this detector " + window);
        if (n < 1 || Integer.bitCount(n) != 1 || n > 1 << 28) throw new java.io.IOException("bad pair table size " + n);
        keys = new long[n];
        bits = new byte[n];
        size = in.readInt();
        pairs = in.readLong();
        for (int i = 0; i < n; i++) {
            keys[i] = in.readLong();
            bits[i] = in.readByte();
        }
    }

    /** An independent copy. */
    public LookaheadPairs copy() {
        LookaheadPairs c = new LookaheadPairs(window);
        c.keys = keys.clone();
        c.bits = bits.clone();
        c.size = size;
        c.pairs = pairs;
        return c;
    }

    /** Distinct (current, previous, distance) triples recorded. */
    public long pairs() { return pairs; }

    /** Distinct (current, previous) entries, as the kernel map holds them. */
    public int entries() { return size; }

    /** The bits recorded for (current, previous): bit d-1 for distance d. */
    public int bits(int current, int previous) {
        int slot = find(key(current, previous));
        return slot < 0 ? 0 : bits[slot] & 0xFF;
    }

    /** The calls before the current one of one task, most recent first. */
    public static final class Window {
        private final int[] prev;
        private int filled;

        public Window(int window) { prev = new int[window - 1]; }

        public void push(int call) {
            System.arraycopy(prev, 0, prev, 1, prev.length - 1);
            prev[0] = call;
            if (filled < prev.length) filled++;
        }

        /** The call at distance d (1 = the one just before). */
        public int at(int d) { return prev[d - 1]; }

        public int filled() { return filled; }

        public void clear() { filled = 0; }
    }

    public Window newWindow() { return new Window(window); }

    /** Records the pairs of call after window; returns how many were new. Does not push. */
    public int train(Window w, int call) {
        int added = 0;
        for (int d = 1; d <= w.filled(); d++) {
            long k = key(call, w.at(d));
            int slot = insert(k);
            int bit = 1 << (d - 1);
            if ((bits[slot] & bit) == 0) {
                bits[slot] |= (byte) bit;
                pairs++;
                added++;
            }
        }
        return added;
    }

    /** Records one (current, previous, distance) pair; returns whether it was new. */
    public boolean add(int current, int previous, int distance) {
        int slot = insert(key(current, previous));
        int bit = 1 << (distance - 1);
        if ((bits[slot] & bit) != 0) return false;
        bits[slot] |= (byte) bit;
        pairs++;
        return true;
    }

    /** How many of the pairs of call after window were never recorded. Does not push. */
    public int mismatches(Window w, int call) {
        int miss = 0;
        for (int d = 1; d <= w.filled(); d++) {
            int slot = find(key(call, w.at(d)));
            if (slot < 0 || (bits[slot] & (1 << (d - 1))) == 0) miss++;
        }
        return miss;
    }

    /** The first distance whose pair with call was never recorded, or 0. */
    public int firstMismatch(Window w, int call) {
        for (int d = 1; d <= w.filled(); d++) {
            int slot = find(key(call, w.at(d)));
            if (slot < 0 || (bits[slot] & (1 << (d - 1))) == 0) return d;
        }
        return 0;
    }

    /** Every recorded (current, previous, distance), encoded as current << 20 | previous << 4 | distance, sorted. */
    public long[] triples() {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == -1) continue;
            int cur = (int) (keys[i] >>> 32), prev = (int) keys[i];
            for (int d = 1; d <= 8; d++) if ((bits[i] & (1 << (d - 1))) != 0) out.add(((long) cur << 20) | ((long) prev << 4) | d);
        }
        return out.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    static long key(int current, int previous) {
        return ((long) current << 32) | (previous & 0xFFFFFFFFL);
    }

    private int find(long k) {
        int mask = keys.length - 1;
        for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == k) return i;
            if (keys[i] == -1) return -1;
        }
    }

    private int insert(long k) {
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == k) return i;
            if (keys[i] == -1) {
                keys[i] = k;
                size++;
                return i;
            }
        }
    }

    private void grow() {
        long[] ok = keys;
        byte[] ob = bits;
        keys = new long[ok.length * 2];
        bits = new byte[ok.length * 2];
        Arrays.fill(keys, -1);
        int mask = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] == -1) continue;
            int i = mix(ok[j]) & mask;
            while (keys[i] != -1) i = (i + 1) & mask;
            keys[i] = ok[j];
            bits[i] = ob[j];
        }
    }

    private static int mix(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
