package dev.vigil.detect;

import java.util.List;

/**
 * A detector over system-call sequences, the interface both offline evaluation and live
 * monitoring use: {@link #fit} on normal traces once, then {@link #score} any number of
 * traces (or the calls a live process made so far). Calls are tokens in vigil's numbering
 * ({@code dev.vigil.syscall.SyscallMapping}). Implementations are not thread-safe during
 * fit; after fit, score is thread-safe. A detector given the same data and seed produces
 * the same scores. Close it to free native memory (deep models).
 */
public interface SequenceDetector extends AutoCloseable {
    /** A short, reproducible description with the settings, e.g. "stide n=7". */
    String name();

    /** Learns normal behaviour from these traces. Called once. */
    void fit(List<int[]> normal);

    /** How anomalous the calls are (larger is more anomalous) and where. */
    SequenceScore score(int[] calls);

    /** The scores of many traces, in order; detectors that batch override this. */
    default List<SequenceScore> scoreAll(List<int[]> traces) {
        return traces.parallelStream().map(this::score).toList();
    }

    /**
     * Writes the fitted state, so {@link #load} can restore it instead of fitting again
     * (model/DetectorFile wraps it in a versioned, checked file).
     */
    default void save(java.io.DataOutputStream out) throws java.io.IOException {
        throw new UnsupportedOperationException(name() + " cannot be saved");
    }

    /** Restores what {@link #save} wrote, on a detector made with the same settings; instead of fit. */
    default void load(java.io.DataInputStream in) throws java.io.IOException {
        throw new UnsupportedOperationException(name() + " cannot be loaded");
    }

    @Override
    default void close() {}
}
