package dev.vigil.alert;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Every alert of an agent passes here once: repeats of a dedup key within the cooldown are
 * suppressed and counted (the next one emitted after the cooldown carries the count); then
 * each workload has a budget of its own (a token bucket per detector and profile, so one
 * workload's flood never delays or drops another's alerts): an alert below high severity
 * over its workload's budget is suppressed and counted, a high or critical one always goes
 * out; the first suppressed alert of a flood raises one alert saying which workload floods
 * and with what (a flood ends after a minute without a suppressed alert), and when its budget
 * has room again a notice (at most one a minute per workload) says how many were suppressed
 * and of what. What passes goes to every output. Bounded: the
 * least recently seen keys and budgets are forgotten beyond maxKeys. Thread-safe (one lock;
 * outputs never block: the webhook only enqueues).
 */
public final class AlertPipeline implements AutoCloseable {
    /**
     * @param cooldown      repeats of a key within this are suppressed (zero: every alert is emitted)
     * @param perMinute     at most this many alerts a minute on average per workload and detector (0: no limit)
     * @param burst         and at most this many at once
     * @param maxKeys       dedup keys (and workload budgets) remembered
     */
    public record Limits(Duration cooldown, int perMinute, int burst, int maxKeys) {
        public Limits {
            if (cooldown.isNegative()) throw new IllegalArgumentException("cooldown < 0");
            if (perMinute < 0 || burst < 0 || maxKeys < 1) throw new IllegalArgumentException("bad alert limits");
            if (perMinute > 0 && burst < 1) throw new IllegalArgumentException("a rate limit needs a burst of at least 1");
        }

        /** Every alert, no limit (the single-purpose commands' behaviour). */
        public static Limits none() { return new Limits(Duration.ZERO, 0, 0, 10_000); }
    }

    private static final class KeyState {
        long lastEmitted;
        long suppressed;
    }

    /** One workload's (detector and profile's) token bucket and what its flood suppressed. */
    private static final class Budget {
        long tokens, lastRefill, suppressed, lastSuppressed, lastNotice = Long.MIN_VALUE;
        Instant firstSuppressed;
        boolean flooding;
        final Map<String, Long> what = new LinkedHashMap<>();
    }

    private final Limits limits;
    private final List<AlertOutput> outputs;
    private final LongSupplier clock;
    private final Map<String, KeyState> keys;
    private final Map<String, Budget> budgets;
    private static final long TOKEN = 60_000_000_000L;
    private static final int WHAT = 8;
    private final AtomicLong raised = new AtomicLong(), emitted = new AtomicLong(), duplicates = new AtomicLong(), rateLimited = new AtomicLong(),
            severePassed = new AtomicLong(), floods = new AtomicLong();
    private final Map<String, AtomicLong> byDetector = new java.util.concurrent.ConcurrentHashMap<>();

    public AlertPipeline(Limits limits, List<AlertOutput> outputs) { this(limits, outputs, System::nanoTime); }

    /** With a clock in nanoseconds (tests). */
    public AlertPipeline(Limits limits, List<AlertOutput> outputs, LongSupplier clock) {
        this.limits = limits;
        this.outputs = List.copyOf(outputs);
        this.clock = clock;
        this.keys = lru(limits.maxKeys());
        this.budgets = lru(limits.maxKeys());
    }

    private static <V> Map<String, V> lru(int max) {
        return new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> e) { return size() > max; }
        };
    }

    /** Whose budget an alert spends: its detector and the profile it was judged against (else its executable). */
    static String scope(Alert a) {
        return a.detector() + "|" + (a.profile() != null ? a.profile().key() : a.process() != null ? a.process().exe() : "");
    }

    /** The workload of a scope, in words. */
    private static String describe(Alert a) {
        if (a.profile() != null) return a.profile().key();
        if (a.process() != null && !a.process().exe().isEmpty()) return a.process().exe();
        return "detector " + a.detector();
    }

    public List<AlertOutput> outputs() { return outputs; }

    /** Publishes an alert unless suppressed; returns whether it went out. */
    public boolean publish(Alert a) {
        Alert out;
        List<Alert> notices = new ArrayList<>(1);
        synchronized (this) {
            raised.incrementAndGet();
            long now = clock.getAsLong();
            KeyState k = keys.get(a.dedupKey());
            long cool = limits.cooldown().toNanos();
            if (k != null && cool > 0 && now - k.lastEmitted < cool) {
                k.suppressed++;
                duplicates.incrementAndGet();
                return false;
            }
            if (limits.perMinute() > 0 && !spend(a, now, notices)) {
                out = null;
            } else {
                if (k == null) {
                    k = new KeyState();
                    if (cool > 0) keys.put(a.dedupKey(), k);
                }
                out = k.suppressed > 0 ? a.withSuppressed(k.suppressed) : a;
                k.suppressed = 0;
                k.lastEmitted = now;
                emitted.incrementAndGet();
                byDetector.computeIfAbsent(a.detector(), d -> new AtomicLong()).incrementAndGet();
            }
        }
        for (Alert n : notices) fanOut(n);
        if (out == null) return false;
        fanOut(out);
        return true;
    }

    /**
     * Spends a token of the alert's workload budget; false when it is over budget and below high severity (suppressed,
     * counted, and the first of a flood announced in notices); a notice of how many were suppressed when there is room again.
     */
    private boolean spend(Alert a, long now, List<Alert> notices) {
        String scope = scope(a);
        Budget b = budgets.get(scope);
        long full = limits.burst() * TOKEN;
        if (b == null) {
            b = new Budget();
            b.tokens = full;
            b.lastRefill = now;
            budgets.put(scope, b);
        }
        // exact integer arithmetic: one token is TOKEN credit units, time adds perMinute units a nanosecond
        long elapsed = Math.min(now - b.lastRefill, full / limits.perMinute() + 1);
        b.tokens = Math.min(full, b.tokens + elapsed * limits.perMinute());
        b.lastRefill = now;
        boolean severe = a.severity().compareTo(Alert.Severity.HIGH) >= 0;
        if (b.tokens < TOKEN) {
            if (severe) {
                severePassed.incrementAndGet();
                return true; // never dropped by a limit
            }
            rateLimited.incrementAndGet();
            if (b.suppressed++ == 0) b.firstSuppressed = a.time();
            b.lastSuppressed = now;
            String what = a.evidence().get("dimension") != null ? a.kind() + " (" + a.evidence().get("dimension") + ")" : a.kind();
            if (b.what.containsKey(what) || b.what.size() < WHAT) b.what.merge(what, 1L, Long::sum);
            if (!b.flooding) {
                b.flooding = true;
                floods.incrementAndGet();
                notices.add(Alert.builder("vigil", "flood").time(a.time()).host(a.host()).severity(Alert.Severity.MEDIUM).process(a.process())
                        .summary(describe(a) + " raises " + a.detector() + " alerts faster than its budget (" + limits.perMinute() + " a minute, bursts of "
                                + limits.burst() + "): its alerts below high severity are counted, not sent, until it slows down (high and critical ones"
                                + " still go out; other workloads are not affected); the first held back: " + a.summary())
                        .evidence("workload", describe(a)).evidence("detector", a.detector()).evidence("per_minute", limits.perMinute())
                        .evidence("burst", limits.burst()).evidence("first_suppressed", a.summary())
                        .dedupKey("vigil|flood|" + scope).build());
            }
            return false;
        }
        b.tokens -= TOKEN;
        if (b.suppressed > 0 && (b.lastNotice == Long.MIN_VALUE || now - b.lastNotice >= 60_000_000_000L)) {
            b.lastNotice = now;
            notices.add(Alert.builder("vigil", "notice").time(a.time()).host(a.host()).severity(Alert.Severity.INFO)
                    .summary(b.suppressed + " alert" + (b.suppressed == 1 ? " of " + describe(a) + " was" : "s of " + describe(a) + " were")
                            + " suppressed by its budget (" + limits.perMinute() + " a minute, bursts of " + limits.burst() + ") since " + b.firstSuppressed
                            + ": " + b.what.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(java.util.stream.Collectors.joining(", ")))
                    .evidence("workload", describe(a)).evidence("detector", a.detector()).evidence("suppressed", b.suppressed)
                    .evidence("since", b.firstSuppressed.toString()).evidence("what", new LinkedHashMap<>(b.what))
                    .evidence("per_minute", limits.perMinute()).dedupKey("vigil|rate-limit|" + scope).build());
            b.suppressed = 0;
            b.what.clear();
        }
        if (b.flooding && b.suppressed == 0 && now - b.lastSuppressed >= 60_000_000_000L) b.flooding = false; // a quiet minute ends the flood
        return true;
    }

    /**
     * Counts n repeats of an alerted key that were suppressed before reaching the pipeline
     * (the kernel counts repeats of a never-seen item instead of sending each): they are
     * counted as duplicates and carried by the key's next emitted alert.
     */
    public synchronized void repeated(String dedupKey, long n) {
        if (n <= 0) return;
        raised.addAndGet(n);
        duplicates.addAndGet(n);
        KeyState k = keys.get(dedupKey);
        if (k != null) k.suppressed += n;
    }

    private void fanOut(Alert a) {
        for (AlertOutput o : outputs) {
            try {
                o.send(a);
            } catch (RuntimeException e) {
                // an output's own bug must not silence the others; it is counted by the output when it can
            }
        }
    }

    /** Reopens the outputs' files (SIGHUP); what each did. */
    public List<String> reopen() {
        List<String> done = new ArrayList<>();
        for (AlertOutput o : outputs) {
            String s = o.reopen();
            if (!s.isEmpty()) done.add(s);
        }
        return done;
    }

    /**
     * raised, emitted, suppressed_duplicate, suppressed_rate (over their workload's budget), severe_over_budget (high or
     * critical alerts sent although over budget), floods (workloads that went over their budget).
     */
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("raised", raised.get());
        m.put("emitted", emitted.get());
        m.put("suppressed_duplicate", duplicates.get());
        m.put("suppressed_rate", rateLimited.get());
        m.put("severe_over_budget", severePassed.get());
        m.put("floods", floods.get());
        return m;
    }

    /** Alerts emitted, by detector. */
    public Map<String, Long> emittedByDetector() {
        Map<String, Long> m = new LinkedHashMap<>();
        byDetector.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Serves the pipeline's and the outputs' counters. */
    public void register(Metrics m) {
        m.counter("vigil_alerts", "Alerts emitted to the outputs", emitted::get)
                .counter("vigil_alerts_raised", "Alerts raised by the detectors, before dedup and rate limits", raised::get)
                .counter("vigil_alerts_suppressed", "Alerts suppressed, by reason (duplicate = same dedup key within the cooldown, rate = over their workload's budget)",
                        "reason", () -> Map.of("duplicate", duplicates.get(), "rate", rateLimited.get()))
                .counter("vigil_alerts_severe_over_budget", "High and critical alerts sent although their workload was over its budget (never dropped)",
                        severePassed::get)
                .counter("vigil_alert_floods", "Times a workload went over its alert budget (each raised one flood alert)", floods::get)
                .counter2("vigil_output_alerts", "Alerts per output: sent, failed (write or request failed), dropped (never delivered)",
                        "output", "result", () -> {
                            Map<String, Map<String, Long>> r = new LinkedHashMap<>();
                            for (AlertOutput o : outputs) {
                                Map<String, Long> c = new LinkedHashMap<>(o.counts());
                                c.keySet().retainAll(List.of("sent", "failed", "dropped"));
                                r.put(o.name(), c);
                            }
                            return r;
                        })
                .gauge("vigil_output_spooled_bytes", "Alerts waiting on disk for an output's brokers (the Kafka output's spool), in bytes", "output", () -> {
                    Map<String, Long> r = new LinkedHashMap<>();
                    for (AlertOutput o : outputs) {
                        Long b = o.counts().get("spooled_bytes");
                        if (b != null) r.put(o.name(), b);
                    }
                    return r;
                });
    }

    @Override
    public void close() {
        for (AlertOutput o : outputs) o.close();
    }
}
