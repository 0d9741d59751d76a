package dev.vigil.profile;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One kind of behaviour of one workload (the programs it runs, ...): a bounded set of the
 * items seen, with its own learning state. It is LEARNING until nothing new has been seen
 * for a while, by time and by activity ({@link Learning#stableAfter}, and
 * {@link Learning#stableCalls} system calls made by the workload, so an idle workload does
 * not turn stable by waiting; never before {@link Learning#minLearning}), then
 * STABLE: a new item is novel (an alert) and is not learnt unless allowed. It becomes
 * UNSTABLE, for good, if it is not stable by {@link Learning#deadline} (new things kept
 * coming: no novelty alerts from it), and AT_MAX_SIZE when {@link Learning#maxItems} items
 * were learnt (no more learnt, no novelty alerts). Not thread-safe.
 */
public final class Dimension {
    public enum State { LEARNING, STABLE, UNSTABLE, AT_MAX_SIZE;
        public String label() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '); }
    }

    /** What an observation meant. */
    /** WARMUP: new, and learnt without an alert because its workload has just started (reported apart: the fleet never counts it as normal). */
    public enum Verdict { SEEN, LEARNT, NOVEL, IGNORED, WARMUP }

    /** When learning is over; production defaults and a fast setting for demos and tests. */
    public record Learning(Duration minLearning, Duration stableAfter, long stableCalls, Duration deadline, int maxItems) {
        public Learning {
            if (minLearning.isNegative() || stableAfter.isNegative() || stableCalls < 0 || deadline.compareTo(minLearning) < 0 || maxItems < 1) {
                throw new IllegalArgumentException("bad learning settings");
            }
        }

        /** 1 day at least, stable after 6 h and 200,000 calls without anything new, unstable if not stable in 7 days, 2,000 items. */
        public static Learning production() {
            return new Learning(Duration.ofDays(1), Duration.ofHours(6), 200_000, Duration.ofDays(7), 2000);
        }

        /** For demos and tests: stable 10 s after the last new item and 2,000 calls without one. */
        public static Learning fast() {
            return new Learning(Duration.ofSeconds(5), Duration.ofSeconds(10), 2000, Duration.ofMinutes(30), 2000);
        }
    }

    private final String name;
    private final Learning learning;
    private final Map<String, Instant> items = new LinkedHashMap<>(); // item -> when first seen
    private State state = State.LEARNING;
    private Instant started, lastNew, stableSince;
    private long observations, lastNewActivity, activity;
    private String adoptedFrom; // whose verdict made it stable when it did not learn it here (null: learnt here)

    public Dimension(String name, Learning learning, Instant started) {
        this.name = name;
        this.learning = learning;
        this.started = started;
        this.lastNew = started;
    }

    public String name() { return name; }
    public State state() { return state; }
    public Instant started() { return started; }
    public Instant stableSince() { return stableSince; }
    public long observations() { return observations; }
    public Map<String, Instant> items() { return Collections.unmodifiableMap(items); }
    public boolean contains(String item) { return items.containsKey(item); }

    /**
     * Takes in one observation of item at now, when the workload's activity counter (calls it
     * has made, monotonic) is at activity; says whether it was seen, learnt, novel, or ignored
     * (unstable, full).
     */
    public Verdict observe(String item, Instant now, long activity) {
        observations++;
        if (items.containsKey(item)) {
            advance(now, activity);
            return Verdict.SEEN;
        }
        advance(now, activity);
        return switch (state) {
            case LEARNING -> {
                if (items.size() >= learning.maxItems()) {
                    state = State.AT_MAX_SIZE;
                    yield Verdict.IGNORED;
                }
                items.put(item, now);
                lastNew = now;
                lastNewActivity = this.activity;
                yield Verdict.LEARNT;
            }
            case STABLE -> Verdict.NOVEL;
            case UNSTABLE, AT_MAX_SIZE -> Verdict.IGNORED;
        };
    }

    /** Moves LEARNING on by time and activity: stable, or unstable past the deadline. */
    public void advance(Instant now, long activity) {
        if (activity > this.activity) this.activity = activity;
        if (state != State.LEARNING) return;
        if (!now.isBefore(started.plus(learning.minLearning())) && !now.isBefore(lastNew.plus(learning.stableAfter()))
                && sinceNew() >= learning.stableCalls()) {
            state = State.STABLE;
            stableSince = now;
        } else if (!now.isBefore(started.plus(learning.deadline()))) {
            state = State.UNSTABLE;
        }
    }

    /** An operator allows item: learnt, whatever the state (a full set still refuses it). */
    public boolean allow(String item, Instant now) {
        if (items.containsKey(item)) return false;
        if (items.size() >= learning.maxItems()) return false;
        items.put(item, now);
        return true;
    }

    /**
     * Takes on another host's, the fleet's or an operator's verdict that this dimension is learnt: LEARNING becomes
     * STABLE now; from names whose verdict it was (alerts say so: "the fleet's profile", "the imported profile").
     */
    public void adoptStable(Instant now, String from) {
        if (state != State.LEARNING) return;
        state = State.STABLE;
        stableSince = now;
        adoptedFrom = from;
    }

    /**
     * Learns again from now, keeping what it learnt (a new version of the workload's image): a stable or unstable
     * dimension is LEARNING again, so what the new version does that the old one did not is learnt, not alerted,
     * until it is stable; a full one stays full.
     */
    public void relearn(Instant now) {
        if (state == State.AT_MAX_SIZE) return;
        state = State.LEARNING;
        started = now;
        lastNew = now;
        lastNewActivity = activity;
        stableSince = null;
        adoptedFrom = null;
    }

    /** Whose verdict made this dimension stable, when it did not learn it here; null when it did. */
    public String adoptedFrom() { return adoptedFrom; }

    /** Restores whose verdict it was (profile files). */
    public void adoptedFrom(String from) { adoptedFrom = from; }

    /** Restores saved state (profile files). */
    public void restore(State state, Instant started, Instant lastNew, Instant stableSince, long observations, long lastNewActivity, long activity,
                        Map<String, Instant> items) {
        this.state = state;
        this.started = started;
        this.lastNew = lastNew;
        this.stableSince = stableSince;
        this.observations = observations;
        this.lastNewActivity = lastNewActivity;
        this.activity = Math.max(activity, lastNewActivity);
        this.items.clear();
        this.items.putAll(items);
    }

    public Instant lastNew() { return lastNew; }
    /** Calls the workload made since this dimension's last new item. */
    public long sinceNew() { return activity - lastNewActivity; }
    public long lastNewActivity() { return lastNewActivity; }
    public long activity() { return activity; }
    public Set<String> itemSet() { return Collections.unmodifiableSet(items.keySet()); }
}
