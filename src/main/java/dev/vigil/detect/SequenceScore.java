package dev.vigil.detect;

/**
 * The anomaly score of a sequence, larger meaning more anomalous, and the window
 * [at, at + length) of the calls that explain it best (length 0 when none does).
 */
public record SequenceScore(double score, int at, int length) {
    public static SequenceScore of(double score) { return new SequenceScore(score, 0, 0); }
}
