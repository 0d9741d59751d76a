package dev.vigil.fleet;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One workload's profile merged across the fleet: per dimension, per item, the hosts that
 * learnt it (while their profile learnt, or allowed there), up to k of them (k decide; more
 * would only grow the document with the fleet), the hosts where it was novel (an alert was
 * raised there), and whether an operator allowed it. An item is normal fleet-wide once k
 * hosts learnt it, or once allowed; novel reports never count: an attack spreading over the
 * replicas of a service must not teach the fleet its own steps (an operator allows what a
 * rollout made new everywhere, once, with `vigil fleet allow`). Per dimension too, the hosts (up to
 * k) where its learning ended stable: once k did, the dimension is learnt fleet-wide, and a
 * new replica that imports it raises novelty alerts from its first minute instead of
 * learning again. Reports are sets, so a report seen twice (a consumer restarted before its
 * commit) changes nothing. A container workload's profile also keeps the image versions
 * (digests) its hosts ran, in the order the fleet first heard of them, the newest
 * {@value #MAX_VERSIONS}: an agent that imports it knows which versions the fleet's profile
 * was learnt on, so a version none of them is relearns instead of alerting on its changes.
 * Not thread-safe.
 */
public final class FleetProfile {
    private final String workload;
    private final Map<String, Map<String, Set<String>>> hosts = new TreeMap<>();
    private final Map<String, Set<String>> allowed = new TreeMap<>();
    private final Map<String, Set<String>> stable = new TreeMap<>();
    private final Map<String, Map<String, Set<String>>> novel = new TreeMap<>();
    private final java.util.LinkedHashSet<String> versions = new java.util.LinkedHashSet<>();
    private long version;

    /** Image versions kept per profile (the oldest are let go). */
    public static final int MAX_VERSIONS = 64;

    public FleetProfile(String workload) {
        this.workload = workload;
    }

    public String workload() { return workload; }

    /** How many times the normal set changed (the published document's version). */
    public long version() { return version; }

    void version(long v) { version = v; }

    /** A host learnt an item; true when that is news (a new host for an item fewer than k hosts learnt). */
    public boolean report(String dimension, String item, String host, int k) {
        Set<String> h = hosts.computeIfAbsent(dimension, d -> new TreeMap<>()).computeIfAbsent(item, i -> new TreeSet<>());
        return h.size() < k && h.add(host);
    }

    /** An item was novel on a host (alerted there); true when that is news (a new host, fewer than k so far). It never makes the item normal. */
    public boolean novel(String dimension, String item, String host, int k) {
        Set<String> h = novel.computeIfAbsent(dimension, d -> new TreeMap<>()).computeIfAbsent(item, i -> new TreeSet<>());
        return h.size() < k && h.add(host);
    }

    /** Per dimension and item, the hosts where it was novel (read-only view). */
    public Map<String, Map<String, Set<String>>> novel() { return java.util.Collections.unmodifiableMap(novel); }

    /** A host's dimension became stable; true when that is news (a new host, fewer than k so far). */
    public boolean stable(String dimension, String host, int k) {
        Set<String> h = stable.computeIfAbsent(dimension, d -> new TreeSet<>());
        return h.size() < k && h.add(host);
    }

    /** The dimensions learnt fleet-wide with k: stable on at least k hosts. */
    public Set<String> stable(int k) {
        Set<String> out = new TreeSet<>();
        stable.forEach((d, h) -> {
            if (h.size() >= k) out.add(d);
        });
        return out;
    }

    /** Per dimension, the hosts where it became stable (read-only view). */
    public Map<String, Set<String>> stableHosts() { return java.util.Collections.unmodifiableMap(stable); }

    /** An operator allowed an item fleet-wide; true when it was not allowed before. */
    public boolean allow(String dimension, String item) {
        return allowed.computeIfAbsent(dimension, d -> new TreeSet<>()).add(item);
    }

    /** The items normal fleet-wide with k: learnt by at least k hosts, or allowed. */
    public Map<String, Set<String>> normal(int k) {
        Map<String, Set<String>> out = new TreeMap<>();
        hosts.forEach((d, items) -> items.forEach((item, h) -> {
            if (h.size() >= k) out.computeIfAbsent(d, x -> new TreeSet<>()).add(item);
        }));
        allowed.forEach((d, items) -> out.computeIfAbsent(d, x -> new TreeSet<>()).addAll(items));
        return out;
    }

    /** A host ran an image version (digest) of this workload; true when the fleet had not heard of it. */
    public boolean imageVersion(String digest) {
        if (digest.isEmpty() || !versions.add(digest)) return false;
        while (versions.size() > MAX_VERSIONS) versions.removeFirst();
        return true;
    }

    /** The image versions the fleet heard of, oldest first. */
    public java.util.List<String> imageVersions() { return List.copyOf(versions); }

    /** Per dimension and item, the hosts that learnt it (read-only view). */
    public Map<String, Map<String, Set<String>>> hosts() { return java.util.Collections.unmodifiableMap(hosts); }

    public Map<String, Set<String>> allowed() { return java.util.Collections.unmodifiableMap(allowed); }
}
