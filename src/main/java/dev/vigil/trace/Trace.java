package dev.vigil.trace;

import dev.vigil.syscall.SyscallMapping;

/**
 * One recorded system-call trace in vigil's numbering (see {@link SyscallMapping}).
 *
 * @param id     where it came from (a file name inside the dataset)
 * @param split  "train" (normal, for fitting), "normal" (normal, for scoring) or "attack"
 * @param kind   for attacks the attack kind (e.g. "Web_Shell"); for normal traces the split
 * @param calls  the calls in order; owned by the trace, never modified
 */
public record Trace(String id, String split, String kind, int[] calls) {
    public static final String TRAIN = "train";
    public static final String NORMAL = "normal";
    public static final String ATTACK = "attack";

    public boolean isAttack() { return ATTACK.equals(split); }

    public int length() { return calls.length; }
}
