package dev.vigil.detect.sequence;

/** 64-bit keys of short call sequences (tokens below 2048, so 11 bits each). */
final class Grams {
    private Grams() {}

    /** The key of calls[from, from + n); exact for n <= 5, a strong hash beyond. */
    static long key(int[] calls, int from, int n) {
        if (n <= 5) {
            long k = n;
            for (int i = 0; i < n; i++) k = (k << 11) | calls[from + i];
            return k;
        }
        long h = 0x9E3779B97F4A7C15L * (n + 1);
        for (int i = 0; i < n; i++) {
            h = (h ^ calls[from + i]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 29;
        }
        return h;
    }
}
