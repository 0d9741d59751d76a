package dev.vigil.detect;

import dev.vigil.syscall.SyscallMapping;
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

    private CallVocabulary(int[] slots, int width) {
        System.arraycopy(slots, 0, slot, 0, slot.length);
        this.width = width;
    }

    public void write(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(width);
        out.writeInt(slot.length);
        for (int s : slot) out.writeInt(s);
    }

    public static CallVocabulary read(java.io.DataInputStream in) throws java.io.IOException {
        int width = in.readInt(), n = in.readInt();
        if (n != SyscallMapping.TOKEN_LIMIT || width < 1 || width > n + 1) throw new java.io.IOException("bad call vocabulary (" + n + " slots, width " + width + ")");
        int[] s = new int[n];
        for (int i = 0; i < n; i++) s[i] = in.readInt();
        return new CallVocabulary(s, width);
    }

    /** Slots: the calls seen plus one for all others. */
    public int width() { return width; }

    /** The slot of a call; unseen calls share the last one. */
    public int index(int call) {
        int s = slot[call];
        return s < 0 ? width - 1 : s;
    }
}
