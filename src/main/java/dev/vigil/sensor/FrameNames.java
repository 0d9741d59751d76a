package dev.vigil.sensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Names the probed functions a call was made in (probe_stack.h's frames: the probe that
 * pushed each and its frame key); {@link ProbeSensor} is the one that knows them. Called on
 * the thread that decodes the calls.
 */
@FunctionalInterface
public interface FrameNames {
    /** The function of a frame of process tgid pushed by probe with key. */
    String name(int tgid, int probe, long key);

    /** Frames named by nothing (no custom probes). */
    FrameNames NONE = (tgid, probe, key) -> "?";

    /** The nframes (at most {@link EventWire#CALL_FRAMES}) frames at offset of a record, named, innermost first. */
    static List<String> read(FrameNames names, MemorySegment s, long nframesAt, long framesAt, int tgid) {
        int n = Math.min(EventWire.CALL_FRAMES, s.get(EventWire.I, nframesAt));
        if (n <= 0) return List.of();
        List<String> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            long base = framesAt + k * EventWire.PROBE_FRAME.byteSize();
            out.add(names.name(tgid, s.get(EventWire.I, base), s.get(EventWire.L, base + 8)));
        }
        return out;
    }
}
