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
    /** Files opened, created, deleted, renamed to or chmod-ed, by intent, paths generalised. */
    public static final String FILES = "files";
    /** Endpoints connected to, bound, listened on and accepted from. */
    public static final String NETWORK = "network";
    /** High-risk calls by call and argument class. */
    public static final String RISKY = "risky";
    /** The system calls the workload's processes make. */
    public static final String SYSCALLS = "syscalls";
    /** Every dimension, in the order they are shown. */
    public static final java.util.List<String> DIMENSIONS = java.util.List.of(PROCESS, FILES, NETWORK, RISKY, SYSCALLS);
    /** A custom probe's dimension is this and the probe's name: the probed functions called, with their argument classes. */
    public static final String PROBE = "probe:";

    /**
     * The regions of memory code runs from when it is no file's code (anonymous memory, a memfd, a deleted file):
     * learnt for a JIT, named for anything else. Made when first needed, as old as the profile's system calls.
     */
    public static final String CODE = "code";

    /** One of {@link #DIMENSIONS}, {@link #CODE}, or a probe's (probe:NAME). */
    public static boolean isDimension(String name) {
        return DIMENSIONS.contains(name) || name.equals(CODE) || name.startsWith(PROBE) && name.substring(PROBE.length()).matches("[A-Za-z0-9_.:-]{1,64}");
    }

    /** The dimensions in words, for errors. */
    public static String dimensionsText() { return String.join(", ", DIMENSIONS) + ", " + CODE + " or probe:NAME"; }

    private final WorkloadKey key;
    private final boolean partial;
    private final Map<String, Dimension> dimensions = new LinkedHashMap<>();
    private long activity;
    private final java.util.List<String> versions = new java.util.ArrayList<>(); // the image digests seen, oldest first

    /**
     * The image versions (digests) this profile has been learnt on, oldest first: its version is their number
     * (0: not a container's, or its image's digest unknown).
     */
    public java.util.List<String> versions() { return java.util.Collections.unmodifiableList(versions); }

    /** Restores or records an image version (digest); whether it was new. */
    public boolean addVersion(String digest) {
        if (digest.isEmpty() || versions.contains(digest)) return false;
        versions.add(digest);
        return true;
    }

    /**
     * An image version known elsewhere (the fleet's profile was learnt on it): recorded before the version this
     * profile runs now, which stays the last; whether it was new here.
     */
    public boolean knownVersion(String digest) {
        if (digest.isEmpty() || versions.contains(digest)) return false;
        versions.add(Math.max(0, versions.size() - 1), digest);
        return true;
    }

    /** Whether any dimension has learnt anything. */
    public boolean empty() {
        for (Dimension d : dimensions.values()) if (!d.items().isEmpty()) return false;
        return true;
    }

    public WorkloadProfile(WorkloadKey key, boolean partial) {
        this.key = key;
        this.partial = partial;
    }

    public WorkloadKey key() { return key; }

    public boolean partial() { return partial; }

    public Map<String, Dimension> dimensions() { return dimensions; }

    /** System calls the workload's processes made while vigil watched (all runs): what learning is measured in. */
    public long activity() { return activity; }

    public void addActivity(long calls) {
        if (calls < 0) throw new IllegalArgumentException("negative activity");
        activity += calls;
    }

    /**
     * Creates every dimension not there yet, learning from now: a workload that has never
     * made a high-risk call learns that too, and its first one after it is stable is novel.
     */
    public void dimensions(Dimension.Learning learning, Instant now) {
        for (String d : DIMENSIONS) dimension(d, learning, now);
    }

    /** The dimension of that name, created (learning from now) if new; the profile was active now. */
    public Dimension dimension(String name, Dimension.Learning learning, Instant now) {
        touch(now);
        if (name.equals(CODE) && !dimensions.containsKey(CODE)) {
            // as old as the profile's system calls: a stable workload's first code from nowhere is novel, not learnt
            Dimension like = dimensions.get(SYSCALLS);
            Dimension d = new Dimension(CODE, learning, now);
            if (like != null) d.restore(like.state(), like.started(), like.lastNew(), like.stableSince(), 0, like.lastNewActivity(), like.activity(), Map.of());
            dimensions.put(CODE, d);
            return d;
        }
        return dimensions.computeIfAbsent(name, n -> new Dimension(n, learning, now));
    }

    private Instant lastActive;

    /** The workload did something now (an item, activity): it is not idle. */
    public void touch(Instant now) {
        if (lastActive == null || now.isAfter(lastActive)) lastActive = now;
    }

    /** When the workload last did something while this agent ran; null if not since it started. */
    public Instant lastActive() { return lastActive; }

    /** Whether any dimension has become stable (what eviction would lose). */
    public boolean learnt() {
        for (Dimension d : dimensions.values()) if (d.state() == Dimension.State.STABLE) return true;
        return false;
    }
}
