package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfMap;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The three maps that hold sequence.bpf.c's profiles: profile_ids (executable -> slot),
 * profiles (an array of counters by slot) and pairs (VIGIL_PAIR_KEY(slot, cur) -> bitmap).
 * Used by {@link SequenceSensor} on its own maps and by `vigil profiles` on the maps a
 * running watch pinned. Does not own the maps. Not thread-safe; the kernel may update the
 * maps concurrently (a read sees each entry at some moment).
 */
public final class ProfileMaps {
    /** Names under which a watch pins the maps (in its pin folder). */
    public static final List<String> PINNED = List.of("profile_ids", "profiles", "profile_next", "pairs");

    private final BpfMap ids, profiles, next, pairs;

    public ProfileMaps(BpfMap ids, BpfMap profiles, BpfMap next, BpfMap pairs) {
        this.ids = ids;
        this.profiles = profiles;
        this.next = next;
        this.pairs = pairs;
    }

    /** Opens the maps a watch pinned in dir; close them with {@link #closePinned}. */
    public static ProfileMaps openPinned(String dir) {
        List<BpfMap> opened = new ArrayList<>();
        try {
            opened.add(BpfMap.openPinned(dir + "/profile_ids", (int) SequenceWire.PROFILE_KEY.byteSize(), 4));
            opened.add(BpfMap.openPinned(dir + "/profiles", 4, (int) SequenceWire.PROFILE.byteSize()));
            opened.add(BpfMap.openPinned(dir + "/profile_next", 4, 8));
            opened.add(BpfMap.openPinned(dir + "/pairs", 4, SequenceWire.PAIR_BITS_SIZE));
        } catch (RuntimeException e) {
            opened.forEach(BpfMap::close);
            throw e;
        }
        return new ProfileMaps(opened.get(0), opened.get(1), opened.get(2), opened.get(3));
    }

    public void closePinned() {
        for (BpfMap m : List.of(pairs, next, profiles, ids)) m.close();
    }

    public void pin(String dir) {
        List<BpfMap> maps = List.of(ids, profiles, next, pairs);
        for (int i = 0; i < maps.size(); i++) maps.get(i).pin(dir + "/" + PINNED.get(i));
    }

    public void unpin(String dir) {
        List<BpfMap> maps = List.of(ids, profiles, next, pairs);
        for (int i = 0; i < maps.size(); i++) maps.get(i).unpin(dir + "/" + PINNED.get(i));
    }

    /** The slot of an executable's profile, if it has one. */
    public Optional<Integer> slot(ProfileKey key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(SequenceWire.PROFILE_KEY), v = a.allocate(JAVA_INT);
            SequenceWire.write(key, k);
            return ids.lookup(k, v) ? Optional.of(v.get(JAVA_INT, 0)) : Optional.empty();
        }
    }

    public Optional<SequenceProfile> profile(ProfileKey key) {
        return slot(key).map(s -> read(key, s));
    }

    private SequenceProfile read(ProfileKey key, int slot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocateFrom(JAVA_INT, slot), v = a.allocate(SequenceWire.PROFILE);
            if (!profiles.lookup(k, v)) throw new IllegalStateException("profile slot " + slot + " out of range");
            return SequenceWire.readProfile(key, v);
        }
    }

    /** Every profile. */
    public List<SequenceProfile> all() {
        Map<ProfileKey, Integer> slots = new java.util.LinkedHashMap<>();
        ids.forEach((k, v) -> slots.put(SequenceWire.readKey(k), v.get(JAVA_INT, 0)));
        List<SequenceProfile> out = new ArrayList<>();
        slots.forEach((key, slot) -> out.add(read(key, slot)));
        return out;
    }

    /** Overwrites the counters of an existing profile (false when it has none). */
    public boolean write(SequenceProfile p) {
        Optional<Integer> slot = slot(p.key());
        if (slot.isEmpty()) return false;
        writeSlot(slot.get(), p);
        return true;
    }

    private void writeSlot(int slot, SequenceProfile p) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocateFrom(JAVA_INT, slot), v = a.allocate(SequenceWire.PROFILE);
            SequenceWire.write(p, v);
            profiles.update(k, v);
        }
    }

    /** The pair bits of one profile: current call -> 64 words ([d-1][prev / 64]). */
    public Map<Integer, long[]> pairs(ProfileKey key) {
        Map<Integer, long[]> out = new TreeMap<>();
        Optional<Integer> slot = slot(key);
        if (slot.isEmpty()) return out;
        int s = slot.get();
        pairs.forEach((k, v) -> {
            int pk = k.get(JAVA_INT, 0);
            if (pk >>> 9 == s) out.put(pk & 511, v.toArray(JAVA_LONG));
        });
        return out;
    }

    /** The pair bits of every profile, in one pass over the pairs map (for saving). */
    public Map<ProfileKey, Map<Integer, long[]>> allPairs() {
        Map<Integer, ProfileKey> bySlot = new java.util.HashMap<>();
        ids.forEach((k, v) -> bySlot.put(v.get(JAVA_INT, 0), SequenceWire.readKey(k)));
        Map<ProfileKey, Map<Integer, long[]>> out = new java.util.HashMap<>();
        for (ProfileKey key : bySlot.values()) out.put(key, new TreeMap<>());
        pairs.forEach((k, v) -> {
            int pk = k.get(JAVA_INT, 0);
            ProfileKey key = bySlot.get(pk >>> 9);
            if (key != null) out.get(key).put(pk & 511, v.toArray(JAVA_LONG));
        });
        return out;
    }

    /** Deletes every pair bitmap of a profile; returns how many. */
    public int deletePairs(ProfileKey key) {
        Optional<Integer> slot = slot(key);
        if (slot.isEmpty()) return 0;
        int s = slot.get();
        List<Integer> doomed = new ArrayList<>();
        pairs.forEach((k, v) -> {
            int pk = k.get(JAVA_INT, 0);
            if (pk >>> 9 == s) doomed.add(pk);
        });
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT);
            for (int pk : doomed) {
                k.set(JAVA_INT, 0, pk);
                pairs.delete(k);
            }
        }
        return doomed.size();
    }

    /**
     * Creates or replaces a profile with its pairs. A new profile takes the next free slot;
     * only call this while the programs are not attached (the kernel allocates slots too).
     */
    public void restore(SequenceProfile p, Map<Integer, long[]> bits) {
        Optional<Integer> existing = slot(p.key());
        int slot = existing.orElseGet(() -> allocate(p.key()));
        writeSlot(slot, p);
        if (existing.isPresent()) deletePairs(p.key()); // a new slot has no pairs to replace
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pk = a.allocate(JAVA_INT), pv = a.allocate(SequenceWire.PAIR_BITS_SIZE, 8);
            for (Map.Entry<Integer, long[]> e : bits.entrySet()) {
                pk.set(JAVA_INT, 0, (slot << 9) | (e.getKey() & 511));
                MemorySegment.copy(MemorySegment.ofArray(e.getValue()), 0, pv, 0, SequenceWire.PAIR_BITS_SIZE);
                pairs.update(pk, pv);
            }
        }
    }

    private int allocate(ProfileKey key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment zero = a.allocateFrom(JAVA_INT, 0), n = a.allocate(JAVA_LONG);
            if (!next.lookup(zero, n)) throw new IllegalStateException("profile_next has no entry");
            long slot = n.get(JAVA_LONG, 0);
            if (slot >= profiles.maxEntries()) {
                throw new IllegalStateException("profiles map full (" + profiles.maxEntries() + "): raise --max-profiles");
            }
            n.set(JAVA_LONG, 0, slot + 1);
            next.update(zero, n);
            MemorySegment k = a.allocate(SequenceWire.PROFILE_KEY), v = a.allocateFrom(JAVA_INT, (int) slot);
            SequenceWire.write(key, k);
            ids.update(k, v);
            return (int) slot;
        }
    }
}
