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
 * suppressed and counted (the next one emitted after the cooldown carries the count), a
 * global token bucket limits the rate (alerts over it are suppressed and counted, and when
 * the bucket has room again a notice, at most one a minute, says how many were suppressed), and what passes goes
 * to every output. Bounded: the least recently seen keys are forgotten beyond maxKeys.
 * Thread-safe (one lock; outputs never block: the webhook only enqueues).
 */
public final class AlertPipeline implements AutoCloseable {
    /**
     * @param cooldown      repeats of a key within this are suppressed (zero: every alert is emitted)
     * @param perMinute     at most this many alerts a minute on average (0: no limit)
     * @param burst         and at most this many at once
     * @param maxKeys       dedup keys remembered
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

    private final Limits limits;
    private final List<AlertOutput> outputs;
    private final LongSupplier clock;
    private final Map<String, KeyState> keys;
    private static final long TOKEN = 60_000_000_000L;
    private long tokens;
    private long lastRefill, rateSuppressedSince, lastNotice = Long.MIN_VALUE;
    private Instant firstRateSuppressed;
    private final AtomicLong raised = new AtomicLong(), emitted = new AtomicLong(), duplicates = new AtomicLong(), rateLimited = new AtomicLong();
    private final Map<String, AtomicLong> byDetector = new java.util.concurrent.ConcurrentHashMap<>();

    public AlertPipeline(Limits limits, List<AlertOutput> outputs) { this(limits, outputs, System::nanoTime); }

    /** With a clock in nanoseconds (tests). */
    public AlertPipeline(Limits limits, List<AlertOutput> outputs, LongSupplier clock) {
        this.limits = limits;
        this.outputs = List.copyOf(outputs);
        this.clock = clock;
        this.tokens = limits.burst() * TOKEN;
        this.lastRefill = clock.getAsLong();
        int max = limits.maxKeys();
        this.keys = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, KeyState> e) { return size() > max; }
        };
    }

    public List<AlertOutput> outputs() { return outputs; }

    /** Publishes an alert unless suppressed; returns whether it went out. */
    public boolean publish(Alert a) {
        Alert out, notice = null;
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
            if (limits.perMinute() > 0) {
                // exact integer arithmetic: one token is TOKEN credit units, time adds perMinute units a nanosecond
                long full = limits.burst() * TOKEN;
                long elapsed = Math.min(now - lastRefill, full / limits.perMinute() + 1);
                tokens = Math.min(full, tokens + elapsed * limits.perMinute());
                lastRefill = now;
                if (tokens < TOKEN) {
                    rateLimited.incrementAndGet();
                    if (rateSuppressedSince++ == 0) firstRateSuppressed = a.time();
                    return false;
                }
                tokens -= TOKEN;
                if (rateSuppressedSince > 0 && (lastNotice == Long.MIN_VALUE || now - lastNotice >= 60_000_000_000L)) {
                    lastNotice = now;
                    notice = Alert.builder("vigil", "notice").time(a.time()).host(a.host()).severity(Alert.Severity.INFO)
                            .summary(rateSuppressedSince + " alert" + (rateSuppressedSince == 1 ? " was" : "s were") + " suppressed by the rate limit ("
                                    + limits.perMinute() + " a minute, bursts of " + limits.burst() + ") since " + firstRateSuppressed)
                            .evidence("suppressed", rateSuppressedSince).evidence("since", firstRateSuppressed.toString())
                            .evidence("per_minute", limits.perMinute()).dedupKey("vigil|rate-limit").build();
                    rateSuppressedSince = 0;
                }
            }
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
        if (notice != null) fanOut(notice);
        fanOut(out);
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

    /** raised, emitted, suppressed_duplicate, suppressed_rate. */
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("raised", raised.get());
        m.put("emitted", emitted.get());
        m.put("suppressed_duplicate", duplicates.get());
        m.put("suppressed_rate", rateLimited.get());
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
                .counter("vigil_alerts_suppressed", "Alerts suppressed, by reason (duplicate = same dedup key within the cooldown, rate = over the rate limit)",
                        "reason", () -> Map.of("duplicate", duplicates.get(), "rate", rateLimited.get()))
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
