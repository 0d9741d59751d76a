package dev.vigil.profile;

import java.time.Instant;

/**
 * Where the workload detectors tell each new item of a workload's profile: learnt (while
 * learning, in the warm-up after a start, or allowed) or novel (an alert was raised), with
 * the dimension's state after it; and when a dimension's learning ended on this host
 * ({@link #state}). The fleet rebuilds profiles from these.
 * Called on the agent's detector thread; implementations must not block.
 */
public interface ProfileEvents {
    /** The Kafka topic of the agents' profile events, and the compacted one of the fleet's signed merged profiles. */
    String TOPIC = "vigil.profile-events", FLEET_TOPIC = "vigil.profiles";

    ProfileEvents NONE = (key, dimension, item, verdict, state, time) -> { };

    void item(WorkloadKey key, String dimension, String item, Dimension.Verdict verdict, Dimension.State state, Instant time);

    /** A dimension of a workload's profile left LEARNING here, by its own observations (stable, unstable or full). */
    default void state(WorkloadKey key, String dimension, Dimension.State state, Instant time) { }

    /** A container workload's profile met an image version (digest) it had not: the fleet keeps each image's versions. */
    default void version(WorkloadKey key, String digest, Instant time) { }
}
