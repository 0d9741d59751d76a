package dev.vigil.detect;

import dev.vigil.trace.SyscallMapping;
import java.util.Arrays;
import java.util.List;

/**
 * The calls seen in training, numbered densely in order of first appearance, plus one
 * last slot for every call never seen. Immutable and thread-safe.
 */
public final class CallVocabulary {
    private final int[] slot = new int[SyscallMapping.TOKEN_LIMIT];
    private final int width;

    private CallVocabulary(List<int[]> traces) {
        Arrays.fill(slot, -1);
        int next = 0;
        for (int[] t : traces) for (int c : t) if (slot[c] < 0) slot[c] = next++;
        width = next + 1;
    }

    public static CallVocabulary of(List<int[]> traces) { return new CallVocabulary(traces); }

    /** Slots: the calls seen plus one for all others. */
    public int width() { return width; }

    /** The slot of a call; unseen calls share the last one. */
    public int index(int call) {
        int s = slot[call];
        return s < 0 ? width - 1 : s;
    }
}
