package dev.vigil.event;

/** A sequence profile's counters as the kernel keeps them (struct vigil_profile), and its states. */
public record SequenceProfile(ProfileKey key, long calls, long lastNew, long anomalies, long pairs, int state, long tolerized) {
    /** enum vigil_profile_state. */
    public static final int TRAINING = 0, NORMAL = 1;
    /** Why a profile's state changed. */
    public static final int REASON_TRAINED = 1, REASON_TOLERIZED = 2;

    public String stateName() { return state == NORMAL ? "normal" : "training"; }
}
