package dev.vigil.profile;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one workload does, one {@link Dimension} per kind of behaviour. Partial when it was
 * first seen already running (its start, and what it did before vigil, were not seen). Not
 * thread-safe.
 */
public final class WorkloadProfile {
    /** The programs a workload's processes execute, parent to child, arguments generalised. */
    public static final String PROCESS = "process";

    private final WorkloadKey key;
    private final boolean partial;
    private final Map<String, Dimension> dimensions = new LinkedHashMap<>();

    public WorkloadProfile(WorkloadKey key, boolean partial) {
        this.key = key;
        this.partial = partial;
    }

    public WorkloadKey key() { return key; }

    public boolean partial() { return partial; }

    public Map<String, Dimension> dimensions() { return dimensions; }

    /** The dimension of that name, created (learning from now) if new. */
    public Dimension dimension(String name, Dimension.Learning learning, Instant now) {
        return dimensions.computeIfAbsent(name, n -> new Dimension(n, learning, now));
    }
}
