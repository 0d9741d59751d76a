package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.vigil.bpf.BpfMap;
import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.RingBuffer;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * pH/ebpH lookahead-pair profiles of every process on the host, kept and checked in the
 * kernel by sequence.bpf.c. Open it (loads the programs), optionally {@link #restore}
 * saved profiles, then {@link #attach}; {@link #poll} delivers anomalies and state
 * changes to the sink on the polling thread. Map reads ({@link #profiles}, {@link #pairs},
 * {@link #stats}) may run on another thread. Close it to detach; nothing stays in the
 * kernel. Needs BTF, tp_btf and task storage (Linux 5.11+), CAP_BPF + CAP_PERFMON.
 */
public final class SequenceSensor implements AutoCloseable {
    public static final String OBJECT = "/dev/vigil/bpf/sequence.bpf.o";
    public static final String[] STATS = {"lost", "profiles_full", "pairs_full", "out_of_range", "forks", "execs", "exits",
        "tasks_added", "tasks_freed", "anomalies", "stacks_unread"};

    /**
     * @param window         calls in the window: the current one and window-1 before it (2..9)
     * @param minCalls       calls a profile must have seen before it can become normal
     * @param stableCalls    calls without a new pair before it becomes normal
     * @param tolerizeLimit  a normal profile goes back to training when a task of it has more
     *                       than this many anomalies in its last 128 calls
     * @param exes           when not empty, only these executables are watched
     */
    public record Settings(int window, long minCalls, long stableCalls, int tolerizeLimit, int maxProfiles, int maxPairEntries,
                           List<ProfileKey> exes) {
        public Settings {
            if (window < 2 || window > 9) throw new IllegalArgumentException("--window must be in 2..9, got " + window);
            if (minCalls < 1 || stableCalls < 1) throw new IllegalArgumentException("--min-calls and --stable-calls must be positive");
            if (tolerizeLimit < 1 || tolerizeLimit > 128) throw new IllegalArgumentException("--tolerize-limit must be in 1..128");
            if (maxProfiles < 1 || maxPairEntries < 1) throw new IllegalArgumentException("map sizes must be positive");
            exes = List.copyOf(exes);
        }

        /** Production defaults: a profile needs 1M calls and 200k without a new pair. */
        public static Settings defaults() {
            return new Settings(9, 1_000_000, 200_000, 12, 4096, 65536, List.of());
        }
    }

    private final BpfObject object;

    /** Its loaded BPF object, for the kernel's statistics of its programs. */
    public BpfObject bpf() { return object; }
    private final Settings settings;
    private final RingBuffer ring;
    private final ProfileMaps maps;
    private final BpfMap stats;

    private SequenceSensor(BpfObject object, Settings settings, Consumer<KernelEvent.Sequence> sink, Consumer<Exception> decodeErrors) {
        this.object = object;
        this.settings = settings;
        this.maps = new ProfileMaps(object.map("profile_ids"), object.map("profiles"), object.map("profile_next"), object.map("pairs"));
        this.stats = object.map("stats");
        this.ring = new RingBuffer(object.map("events"), bytes -> {
            KernelEvent.Sequence e;
            try {
                e = SequenceWire.decode(bytes);
            } catch (RuntimeException ex) {
                decodeErrors.accept(ex);
                return;
            }
            sink.accept(e);
        });
    }

    /** Loads the programs (not yet attached). */
    public static SequenceSensor open(Settings s, Consumer<KernelEvent.Sequence> sink) {
        BpfObject obj = BpfObject.openResource(SequenceSensor.class, OBJECT);
        try {
            obj.setGlobal("window", s.window()).setGlobal("min_calls", s.minCalls()).setGlobal("stable_calls", s.stableCalls())
                    .setGlobal("tolerize_limit", s.tolerizeLimit()).setGlobal("filter_exes", s.exes().isEmpty() ? 0 : 1)
                    .setGlobal("self_tgid", ProcessHandle.current().pid())
                    .setGlobal("max_profiles", s.maxProfiles());
            obj.setMaxEntries("profiles", s.maxProfiles()).setMaxEntries("profile_ids", s.maxProfiles()).setMaxEntries("pairs", s.maxPairEntries());
            obj.load();
            BpfMap watched = obj.map("watched");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(SequenceWire.PROFILE_KEY);
                MemorySegment one = a.allocateFrom(JAVA_BYTE, (byte) 1);
                for (ProfileKey key : s.exes()) {
                    SequenceWire.write(key, k);
                    watched.update(k, one);
                }
            }
            return new SequenceSensor(obj, s, sink, e -> { });
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    public Settings settings() { return settings; }

    /** Attaches the four programs (sys_enter, fork, exec, exit). */
    public void attach() {
        object.attach("vigil_seq_fork");
        object.attach("vigil_seq_exec");
        object.attach("vigil_seq_exit");
        object.attach("vigil_seq_enter");
    }

    /** Waits up to timeoutMs for events and hands them to the sink; returns how many. */
    public int poll(int timeoutMs) { return ring.poll(timeoutMs); }

    public long received() { return ring.received(); }

    public List<SequenceProfile> profiles() { return maps.all(); }

    /** The pair bits of one profile: current call -> 64 words ([d-1][prev / 64]). */
    public Map<Integer, long[]> pairs(ProfileKey key) { return maps.pairs(key); }

    /** The maps holding the profiles. */
    public ProfileMaps maps() { return maps; }

    /** Every (current, previous, distance) of one profile, encoded by {@link #triple}, sorted. */
    public long[] triples(ProfileKey key) {
        return triples(pairs(key));
    }

    public static long[] triples(Map<Integer, long[]> bits) {
        List<Long> t = new ArrayList<>();
        bits.forEach((cur, words) -> {
            for (int d = 1; d <= SequenceWire.PREV; d++) {
                for (int w = 0; w < SequenceWire.WORDS; w++) {
                    long word = words[(d - 1) * SequenceWire.WORDS + w];
                    while (word != 0) {
                        int b = Long.numberOfTrailingZeros(word);
                        word &= word - 1;
                        t.add(triple(cur, w * 64 + b, d));
                    }
                }
            }
        });
        return t.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    public static long triple(int current, int previous, int distance) {
        return ((long) current << 20) | ((long) previous << 4) | distance;
    }

    /** Kernel counters (summed over CPUs), by name, in {@link #STATS} order. */
    public Map<String, Long> stats() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < STATS.length; i++) out.put(STATS[i], stats.lookupU64Sum(i));
        out.put("queue_pauses", ring.pauses()); // user space fell behind: events waited in the kernel's ring (none dropped here)
        return out;
    }

    /** Writes a profile and its pairs into the maps (before attach). */
    public void restore(SequenceProfile p, Map<Integer, long[]> bits) { maps.restore(p, bits); }

    /** Every profile's pairs by key, as the maps hold them. */
    public Map<ProfileKey, Map<Integer, long[]>> allPairs() { return maps.allPairs(); }

    /** Pins the profile maps under dir (bpffs) for `vigil profiles`. */
    public void pin(String dir) { maps.pin(dir); }

    public void unpin(String dir) { maps.unpin(dir); }

    @Override
    public void close() {
        ring.close();
        object.close();
    }
}
