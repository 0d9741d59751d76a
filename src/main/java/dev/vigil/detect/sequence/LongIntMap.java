package dev.vigil.detect.sequence;

import java.util.Arrays;

/** An open-addressing map from long keys to int counts (absent = 0). Not thread-safe for writes. */
final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] values;
    private int size;
    private boolean hasEmptyKey;
    private int emptyKeyValue;

    LongIntMap() {
        keys = new long[1 << 10];
        values = new int[1 << 10];
        Arrays.fill(keys, EMPTY);
    }

    int size() { return size + (hasEmptyKey ? 1 : 0); }

    void write(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(keys.length);
        out.writeInt(size);
        out.writeBoolean(hasEmptyKey);
        out.writeInt(emptyKeyValue);
        for (int i = 0; i < keys.length; i++) {
            out.writeLong(keys[i]);
            out.writeInt(values[i]);
        }
    }

    void read(java.io.DataInputStream in) throws java.io.IOException {
        int n = in.readInt();
        if (n < 1 || Integer.bitCount(n) != 1 || n > 1 << 28) throw new java.io.IOException("bad map size " + n);
        keys = new long[n];
        values = new int[n];
        size = in.readInt();
        hasEmptyKey = in.readBoolean();
        emptyKeyValue = in.readInt();
        for (int i = 0; i < n; i++) {
            keys[i] = in.readLong();
            values[i] = in.readInt();
        }
    }

    int get(long k) {
        if (k == EMPTY) return hasEmptyKey ? emptyKeyValue : 0;
        int mask = keys.length - 1;
        for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == k) return values[i];
            if (keys[i] == EMPTY) return 0;
        }
    }

    /** Adds delta to k's value; returns the value before. */
    int add(long k, int delta) {
        if (k == EMPTY) {
            int before = hasEmptyKey ? emptyKeyValue : 0;
            hasEmptyKey = true;
            emptyKeyValue = before + delta;
            return before;
        }
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == k) {
                int before = values[i];
                values[i] += delta;
                return before;
            }
            if (keys[i] == EMPTY) {
                keys[i] = k;
                values[i] = delta;
                size++;
                return 0;
            }
        }
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = values;
        keys = new long[ok.length * 2];
        values = new int[ok.length * 2];
        Arrays.fill(keys, EMPTY);
        int mask = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] == EMPTY) continue;
            int i = mix(ok[j]) & mask;
            while (keys[i] != EMPTY) i = (i + 1) & mask;
            keys[i] = ok[j];
            values[i] = ov[j];
        }
    }

    private static int mix(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
