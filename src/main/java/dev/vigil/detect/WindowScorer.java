package dev.vigil.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where a sequence detector looks when it watches a process live: the last {@code window}
 * calls, every {@code step} calls once that many have been made, the tail at the end, and
 * the whole trace of a process that ends with fewer calls than a window. The same windows
 * over a recorded trace ({@link #windows}) calibrate the threshold, so a live window and a
 * calibration window mean the same thing. Immutable; each {@link Stream} is confined to one thread.
 */
public final class WindowScorer {
    private final int window, step;

    public WindowScorer(int window, int step) {
        if (window < 1) throw new IllegalArgumentException("window must be at least 1");
        if (step < 1 || step > window) throw new IllegalArgumentException("step must be from 1 to the window (" + window + ")");
        this.window = window;
        this.step = step;
    }

    public int window() { return window; }

    public int step() { return step; }

    /** The windows [start, end) of a whole trace of this length, in the order a live stream emits them. */
    public List<int[]> windows(int length) {
        List<int[]> out = new ArrayList<>();
        if (length == 0) return out;
        if (length < window) {
            out.add(new int[] {0, length});
            return out;
        }
        int end = window;
        for (; end <= length; end += step) out.add(new int[] {end - window, end});
        int last = end - step;
        if (last != length) out.add(new int[] {length - window, length});
        return out;
    }

    /**
     * The threshold by evilsocket's rule for a windowed detector: the largest score of any
     * window of these held-out normal traces (which the detector was not fitted on).
     */
    public double heldOutMax(SequenceDetector d, List<int[]> heldOut) {
        List<int[]> all = new ArrayList<>();
        for (int[] t : heldOut) {
            for (int[] w : windows(t.length)) all.add(Arrays.copyOfRange(t, w[0], w[1]));
        }
        if (all.isEmpty()) throw new IllegalArgumentException("no held-out calls to calibrate on");
        return d.scoreAll(all).stream().mapToDouble(SequenceScore::score).max().orElseThrow();
    }

    /** A window of a live process: its calls and where it starts in the process's whole sequence. */
    public record Window(long start, int[] calls) {}

    public Stream stream() { return new Stream(); }

    /** One process's calls as they come; emits the windows {@link #windows} would give for the whole trace. */
    public final class Stream {
        private final int[] ring = new int[window];
        private long calls, lastEnd;

        /** Adds a call; returns a window to score now, or null. */
        public Window add(int call) {
            ring[(int) (calls % window)] = call;
            calls++;
            if (calls >= window && (calls - window) % step == 0) return take();
            return null;
        }

        /** The process ended: the tail (or the whole short trace) if not scored yet, else null. */
        public Window finish() {
            if (calls == 0 || lastEnd == calls) return null;
            return take();
        }

        public long calls() { return calls; }

        private Window take() {
            int n = (int) Math.min(calls, window);
            int[] w = new int[n];
            for (int i = 0; i < n; i++) w[i] = ring[(int) ((calls - n + i) % window)];
            lastEnd = calls;
            return new Window(calls - n, w);
        }
    }
}
