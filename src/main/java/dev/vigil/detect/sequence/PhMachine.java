package dev.vigil.detect.sequence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Java twin of sequence.bpf.c (watch and the agent's sequence detector), call for call:
 * per-executable lookahead-pair profiles that train, turn normal once they have seen
 * {@code minCalls} calls and none of the last {@code stableCalls} added a pair, then report
 * each call with an unseen pair (an anomaly) and count each task's anomalies in its last
 * 128 calls (pH's locality frame); above {@code tolerizeLimit} the profile goes back to
 * training (tolerized). Tasks fork (the child copies the window), exec (a new profile, an
 * empty window) and exit. It runs over recordings (replay) and gives the same events the
 * kernel gives on the same calls (a kernel test checks it). Not thread-safe.
 */
public final class PhMachine {
    public static final int TRAINING = 0, NORMAL = 1, REASON_TRAINED = 1, REASON_TOLERIZED = 2, PREV = 8, FRAME = 128, MAX_SYSCALLS = 512;

    public record Settings(int window, long minCalls, long stableCalls, int tolerizeLimit) {
        public Settings {
            if (window < 2 || window > LookaheadPairs.MAX_WINDOW) throw new IllegalArgumentException("window must be in 2..9, got " + window);
            if (minCalls < 1 || stableCalls < 1) throw new IllegalArgumentException("min and stable calls must be positive");
            if (tolerizeLimit < 1 || tolerizeLimit > FRAME) throw new IllegalArgumentException("tolerize limit must be in 1..128");
        }
    }

    /** What the machine reports, as the kernel's ring buffer does. */
    public sealed interface Event {
        int tid();
        String profile();
    }

    /** A call with misses unseen pairs; window holds the calls before it, most recent first. */
    public record Anomaly(int tgid, int tid, String profile, int syscall, int[] window, int misses, int lfc, long calls, long anomalies)
            implements Event {}

    public record StateChange(int tgid, int tid, String profile, int state, int reason, int syscall, long calls, long anomalies)
            implements Event {}

    /** A profile's counters, as the kernel's profiles map holds them. */
    public static final class Profile {
        final LookaheadPairs pairs;
        long calls, lastNew, anomalies, tolerized;
        int state = TRAINING;

        Profile(int window) { pairs = new LookaheadPairs(window); }

        private Profile(Profile o) {
            pairs = o.pairs.copy();
            calls = o.calls;
            lastNew = o.lastNew;
            anomalies = o.anomalies;
            tolerized = o.tolerized;
            state = o.state;
        }

        public void write(java.io.DataOutputStream out) throws java.io.IOException {
            pairs.write(out);
            out.writeLong(calls);
            out.writeLong(lastNew);
            out.writeLong(anomalies);
            out.writeLong(tolerized);
            out.writeInt(state);
        }

        /** A profile write wrote, for a machine of this window. */
        public static Profile read(java.io.DataInputStream in, int window) throws java.io.IOException {
            Profile p = new Profile(window);
            p.pairs.read(in);
            p.calls = in.readLong();
            p.lastNew = in.readLong();
            p.anomalies = in.readLong();
            p.tolerized = in.readLong();
            p.state = in.readInt();
            return p;
        }

        /** An independent copy (to score traces without changing the model). */
        public Profile copy() { return new Profile(this); }

        public long calls() { return calls; }
        public long pairs() { return pairs.pairs(); }
        public long anomalies() { return anomalies; }
        public long tolerized() { return tolerized; }
        public int state() { return state; }

        /** Starts detection now (vigil profiles normalize). */
        public void normalize() { state = NORMAL; }
    }

    private static final class Task {
        final int tgid;
        String key;
        final int[] win = new int[PREV];
        int filled, lfc, pos;
        final boolean[] frame = new boolean[FRAME];

        Task(int tgid, String key) {
            this.tgid = tgid;
            this.key = key;
        }
    }

    private final Settings settings;
    private final Map<String, Profile> profiles = new HashMap<>();
    private final Map<Integer, Task> tasks = new HashMap<>();

    public PhMachine(Settings settings) { this.settings = settings; }

    public Settings settings() { return settings; }

    public Map<String, Profile> profiles() { return profiles; }

    /** Puts a profile in (a copy of a fitted one, to score with). */
    public void put(String key, Profile p) { profiles.put(key, p); }

    /** The profile of an executable, created empty if new. */
    public Profile profile(String key) { return profiles.computeIfAbsent(key, k -> new Profile(settings.window())); }

    /** Task tid (of process tgid) now runs the executable key with an empty window (exec, or a task first seen). */
    public void exec(int tgid, int tid, String key) {
        Task t = new Task(tgid, key);
        tasks.put(tid, t);
        profile(key);
    }

    /** child is a new task of parent's executable with a copy of its window and an empty locality frame. */
    public void fork(int parentTid, int childTgid, int childTid) {
        Task p = tasks.get(parentTid);
        if (p == null) return;
        Task c = new Task(childTgid, p.key);
        System.arraycopy(p.win, 0, c.win, 0, PREV);
        c.filled = p.filled;
        tasks.put(childTid, c);
    }

    public void exit(int tid) { tasks.remove(tid); }

    /** One call of a task (unknown tasks, and numbers the kernel's 512-slot maps cannot hold, are ignored); events go to sink in the kernel's order. */
    public void call(int tid, int nr, Consumer<Event> sink) {
        Task t = tasks.get(tid);
        if (t == null || nr < 0 || nr >= MAX_SYSCALLS) return;
        Profile p = profile(t.key);
        long calls = ++p.calls;
        int state = p.state;
        int limit = Math.min(t.filled, settings.window() - 1);
        int misses = 0, added = 0;
        for (int d = 1; d <= limit; d++) {
            boolean seen = (p.pairs.bits(nr, t.win[d - 1]) & (1 << (d - 1))) != 0;
            if (seen) continue;
            if (state != TRAINING) misses++;
            else if (p.pairs.add(nr, t.win[d - 1], d)) added++;
        }
        if (added > 0) p.lastNew = calls;
        if (state == TRAINING && calls >= settings.minCalls() && calls - p.lastNew >= settings.stableCalls()) {
            p.state = NORMAL;
            sink.accept(new StateChange(t.tgid, tid, t.key, NORMAL, REASON_TRAINED, nr, p.calls, p.anomalies));
        }
        int pos = t.pos & (FRAME - 1);
        boolean now = misses > 0;
        if (now != t.frame[pos]) {
            t.frame[pos] = now;
            t.lfc += now ? 1 : -1;
        }
        t.pos = pos + 1;
        if (now) {
            p.anomalies++;
            sink.accept(new Anomaly(t.tgid, tid, t.key, nr, java.util.Arrays.copyOf(t.win, t.filled), misses, t.lfc, p.calls, p.anomalies));
            if (t.lfc > settings.tolerizeLimit() && p.state == NORMAL) {
                p.state = TRAINING;
                p.lastNew = calls;
                p.tolerized++;
                java.util.Arrays.fill(t.frame, false);
                t.lfc = 0;
                sink.accept(new StateChange(t.tgid, tid, t.key, TRAINING, REASON_TOLERIZED, nr, p.calls, p.anomalies));
            }
        }
        System.arraycopy(t.win, 0, t.win, 1, PREV - 1);
        t.win[0] = nr;
        if (t.filled < PREV) t.filled++;
    }

    /** The events of one whole call sequence of a new task running key (tests, evaluation). */
    public List<Event> run(int tid, String key, int[] calls) {
        List<Event> out = new ArrayList<>();
        exec(tid, tid, key);
        for (int c : calls) call(tid, c, out::add);
        exit(tid);
        return out;
    }
}
