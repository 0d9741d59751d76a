package dev.vigil.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.store.AtomicFile;
import dev.vigil.store.ModelFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every workload's profile, bounded ({@code maxProfiles}; a workload beyond it is not
 * profiled and is counted), saved as readable, diffable JSON ({@value #FORMAT}: per
 * workload its key, whether it is partial, and per dimension its state, times, counts and
 * items with when each was first seen), written atomically. Not thread-safe.
 */
public final class ProfileSet {
    public static final String FORMAT = "vigil.workload-profiles/2", FILE = "workloads.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Map<WorkloadKey, WorkloadProfile> profiles = new LinkedHashMap<>();
    private final int maxProfiles;
    private long refused;

    public ProfileSet(int maxProfiles) { this.maxProfiles = maxProfiles; }

    /** The profile of key, created if new and there is room; null when full. */
    public WorkloadProfile get(WorkloadKey key, boolean partial) {
        WorkloadProfile p = profiles.get(key);
        if (p != null) return p;
        if (profiles.size() >= maxProfiles && !evictOne()) {
            refused++;
            return null;
        }
        p = new WorkloadProfile(key, partial);
        if (clock != null) p.touch(clock.get()); // new is not idle
        profiles.put(key, p);
        return p;
    }

    /** A workload idle this long, none of its processes left, may be evicted to make room. */
    public static final Duration IDLE = Duration.ofMinutes(10);
    private java.util.function.Supplier<java.util.Set<WorkloadKey>> busy;
    private java.util.function.Supplier<Instant> clock;
    private Instant since, noneUntil;
    private long evicted, evictedLearnt;

    /**
     * Makes room when full: the profile idle longest (nothing done for {@link #IDLE}, no
     * workload slot left: the short-lived workloads of scopes and jobs) is evicted for a new
     * one, one still learning before one with a stable dimension. Without this (the default),
     * a full set refuses new workloads.
     *
     * @param busy  the workloads with a process (a kernel slot) now: never evicted
     * @param clock the time now
     */
    public ProfileSet evictIdle(java.util.function.Supplier<java.util.Set<WorkloadKey>> busy, java.util.function.Supplier<Instant> clock) {
        this.busy = busy;
        this.clock = clock;
        this.since = clock.get();
        return this;
    }

    private boolean evictOne() {
        if (busy == null) return false;
        Instant now = clock.get();
        if (noneUntil != null && now.isBefore(noneUntil)) return false; // nothing could have become idle since the last look
        java.util.Set<WorkloadKey> held = busy.get();
        WorkloadProfile best = null;
        Instant bestAt = null, soonest = null;
        for (WorkloadProfile p : profiles.values()) {
            if (held.contains(p.key())) continue;
            Instant at = p.lastActive() != null ? p.lastActive() : since;
            if (Duration.between(at, now).compareTo(IDLE) < 0) {
                Instant idleAt = at.plus(IDLE);
                if (soonest == null || idleAt.isBefore(soonest)) soonest = idleAt;
                continue;
            }
            if (best == null || (best.learnt() && !p.learnt()) || (best.learnt() == p.learnt() && at.isBefore(bestAt))) {
                best = p;
                bestAt = at;
            }
        }
        if (best == null) {
            noneUntil = soonest != null ? soonest : now.plusSeconds(10); // every one busy: look again in a while
            return false;
        }
        noneUntil = null;
        profiles.remove(best.key());
        evicted++;
        if (best.learnt()) evictedLearnt++;
        return true;
    }

    /** Idle profiles evicted to make room. */
    public long evicted() { return evicted; }

    /** Of those, profiles with a stable dimension (their workload learns again at its next start). */
    public long evictedLearnt() { return evictedLearnt; }

    public WorkloadProfile find(WorkloadKey key) { return profiles.get(key); }

    public Collection<WorkloadProfile> all() { return profiles.values(); }

    /** Workloads not profiled because the set was full. */
    public long refused() { return refused; }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, ByteBuffer.wrap(toJson()));
    }

    /** The set as its JSON file's bytes (what {@link #write} writes). */
    public byte[] toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode().put("format", FORMAT).put("saved", Instant.now().toString());
        ArrayNode arr = root.putArray("profiles");
        for (WorkloadProfile p : profiles.values()) {
            ObjectNode o = arr.addObject().put("key", p.key().text()).put("partial", p.partial()).put("activity", p.activity());
            if (!p.versions().isEmpty()) {
                ArrayNode v = o.putArray("image_versions");
                p.versions().forEach(v::add);
            }
            ObjectNode dims = o.putObject("dimensions");
            for (Dimension d : p.dimensions().values()) {
                ObjectNode x = dims.putObject(d.name()).put("state", d.state().name().toLowerCase(java.util.Locale.ROOT))
                        .put("started", d.started().toString()).put("last_new", d.lastNew().toString())
                        .put("stable_since", d.stableSince() == null ? null : d.stableSince().toString())
                        .put("observations", d.observations()).put("activity", d.activity())
                        .put("last_new_activity", d.lastNewActivity());
                if (d.adoptedFrom() != null) x.put("adopted_from", d.adoptedFrom());
                ObjectNode items = x.putObject("items");
                d.items().forEach((k, v) -> items.put(k, v.toString()));
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    /** The profiles of these keys only (all when keys is empty), sharing their profile objects. */
    public ProfileSet only(java.util.Collection<WorkloadKey> keys) {
        ProfileSet out = new ProfileSet(Integer.MAX_VALUE);
        for (WorkloadProfile p : profiles.values()) if (keys.isEmpty() || keys.contains(p.key())) out.profiles.put(p.key(), p);
        return out;
    }

    /** Forgets a workload's profile (all its dimensions), or one dimension of it; whether there was something to forget. */
    public boolean reset(WorkloadKey key, String dimension) {
        WorkloadProfile p = profiles.get(key);
        if (p == null) return false;
        if (dimension == null || dimension.isEmpty()) {
            profiles.remove(key);
            return true;
        }
        return p.dimensions().remove(dimension) != null;
    }

    /**
     * Merges another set into this one (an imported or fleet profile): per workload and
     * dimension, the union of the items; a dimension stable there and still learning here
     * becomes stable now. Returns the items added.
     */
    public int merge(ProfileSet other, Dimension.Learning learning, Instant now) {
        int added = 0;
        for (WorkloadProfile theirs : other.all()) {
            WorkloadProfile mine = get(theirs.key(), theirs.partial());
            if (mine == null) continue;
            for (Dimension d : theirs.dimensions().values()) {
                Dimension here = mine.dimension(d.name(), learning, now);
                for (var e : d.items().entrySet()) if (here.allow(e.getKey(), e.getValue())) added++;
                if (d.state() == Dimension.State.STABLE) here.adoptStable(now, "the imported profile");
            }
        }
        return added;
    }

    /**
     * A container's image version and its workload's profile: the first digest a profile sees is its version 1; a
     * digest it has not seen is a new version, on which every dimension learns again from what it knew (known behaviour
     * is not alerted, the new version's new behaviour is learnt until stable). A new profile of an image's new tag
     * ({@code image:REPO:TAG2}) starts from the profile of the same program in the same repository's other tag, learning.
     */
    public record VersionChange(WorkloadKey key, int version, String digest, String previous, WorkloadKey from) {}

    /** Records profile p's image digest (see {@link VersionChange}); the change, or null when the version is known or there is none. */
    public VersionChange imageVersion(WorkloadProfile p, String digest, Dimension.Learning learning, Instant now) {
        if (digest == null || digest.isEmpty() || p.versions().contains(digest)) return null;
        if (p.versions().isEmpty()) {
            WorkloadProfile prev = p.empty() ? otherTag(p.key()) : null;
            if (prev == null) {
                p.addVersion(digest);
                return null;
            }
            prev.versions().forEach(p::addVersion);
            p.addVersion(digest);
            for (Dimension d : prev.dimensions().values()) {
                Dimension here = p.dimension(d.name(), learning, now);
                d.items().forEach(here::allow);
            }
            return new VersionChange(p.key(), p.versions().size(), digest, prev.versions().isEmpty() ? "" : prev.versions().getLast(), prev.key());
        }
        String previous = p.versions().getLast();
        p.addVersion(digest);
        for (Dimension d : p.dimensions().values()) d.relearn(now);
        return new VersionChange(p.key(), p.versions().size(), digest, previous, p.key());
    }

    /** The profile of the same program in another tag of an image:REPO:TAG scope's repository (the one with most versions), or null. */
    private WorkloadProfile otherTag(WorkloadKey key) {
        String scope = key.scope();
        int colon = scope.lastIndexOf(':');
        if (!scope.startsWith("image:") || colon <= scope.lastIndexOf('/') || colon <= "image:".length()) return null;
        String repo = scope.substring(0, colon + 1);
        WorkloadProfile best = null;
        for (WorkloadProfile o : profiles.values()) {
            if (o == profiles.get(key) || !o.key().program().equals(key.program()) || !o.key().scope().startsWith(repo)
                    || o.key().scope().indexOf(':', repo.length()) >= 0 || o.empty()) continue;
            if (best == null || o.versions().size() >= best.versions().size()) best = o;
        }
        return best;
    }

    /** Reads a set from a file's bytes (a file named by name in errors). */
    public static ProfileSet parse(byte[] json, String name, int maxProfiles, Dimension.Learning learning) throws IOException {
        Path tmp = Files.createTempFile("vigil-profiles", ".json");
        try {
            Files.write(tmp, json);
            return read(tmp, maxProfiles, learning);
        } catch (ModelFile.InvalidModelException e) {
            throw new ModelFile.InvalidModelException(e.getMessage().replace(tmp.toString(), name));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a saved set; every dimension gets learning, as configured now. A bad file fails with one line naming it. */
    public static ProfileSet read(Path file, int maxProfiles, Dimension.Learning learning) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelFile.InvalidModelException(file + ": no such file");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFile.InvalidModelException(file + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        if (!FORMAT.equals(root.path("format").asText())) {
            throw new ModelFile.InvalidModelException(file + ": format '" + root.path("format").asText() + "', expected " + FORMAT);
        }
        ProfileSet set = new ProfileSet(maxProfiles);
        try {
            for (JsonNode o : root.path("profiles")) {
                WorkloadProfile p = set.get(WorkloadKey.parse(o.path("key").asText()), o.path("partial").asBoolean());
                if (p == null) break;
                p.addActivity(Math.max(0, o.path("activity").asLong()));
                for (JsonNode v : o.path("image_versions")) p.addVersion(v.asText());
                var fields = o.path("dimensions").properties();
                for (var e : fields) {
                    JsonNode x = e.getValue();
                    Map<String, Instant> items = new LinkedHashMap<>();
                    for (var it : x.path("items").properties()) items.put(it.getKey(), Instant.parse(it.getValue().asText()));
                    Dimension d = p.dimension(e.getKey(), learning, Instant.parse(x.path("started").asText()));
                    d.restore(Dimension.State.valueOf(x.path("state").asText().toUpperCase(java.util.Locale.ROOT)), Instant.parse(x.path("started").asText()),
                            Instant.parse(x.path("last_new").asText()), x.path("stable_since").isNull() || x.path("stable_since").isMissingNode() ? null
                                    : Instant.parse(x.path("stable_since").asText()), x.path("observations").asLong(), x.path("last_new_activity").asLong(), x.path("activity").asLong(), items);
                    if (x.hasNonNull("adopted_from")) d.adoptedFrom(x.get("adopted_from").asText());
                }
            }
        } catch (RuntimeException e) {
            throw new ModelFile.InvalidModelException(file + ": bad profile (" + e.getMessage() + ")");
        }
        return set;
    }
}
