package dev.vigil.detect;

import java.util.List;

/**
 * A detector over system-call sequences, the interface both offline evaluation and live
 * monitoring use: {@link #fit} on normal traces once, then {@link #score} any number of
 * traces (or the calls a live process made so far). Calls are tokens in vigil's numbering
 * ({@code dev.vigil.trace.SyscallMapping}). Implementations are not thread-safe during
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

    @Override
    default void close() {}
}
