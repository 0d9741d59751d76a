package dev.vigil.alert;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An output behind a bounded queue and a thread of its own, so that a destination that
 * blocks (a stdout pipe nobody reads, a file on a hung disk, a spool on a slow one) never
 * holds the detection thread: {@link #send} only offers the alert to the queue; an alert
 * that finds the queue full is dropped and counted ({@code dropped}, which the agent's
 * coverage alert reports). Close waits up to 5 s for the queue to empty, then counts
 * what is left as dropped and closes the output. Thread-safe.
 */
public final class QueuedOutput implements AlertOutput {
    /** Alerts waiting per output: minutes of a flood that the rate limits let through. */
    public static final int DEFAULT_CAPACITY = 2048;
    private final AlertOutput inner;
    private final BlockingQueue<Alert> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread sender;
    private volatile boolean closing;

    public QueuedOutput(AlertOutput inner, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be >= 1");
        this.inner = inner;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = Thread.ofPlatform().name("vigil-output-" + inner.name()).daemon().start(this::run);
    }

    /** The output behind the queue. */
    public AlertOutput inner() { return inner; }

    @Override
    public String name() { return inner.name(); }

    @Override
    public void send(Alert alert) {
        if (closing || !queue.offer(alert)) dropped.incrementAndGet();
    }

    private void run() {
        while (!(closing && queue.isEmpty())) {
            try {
                Alert a = queue.poll(200, TimeUnit.MILLISECONDS);
                if (a != null) inner.send(a);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // an output counts its own failures; one that throws anyway must not stop the others' alerts behind it
            }
        }
    }

    @Override
    public String reopen() { return inner.reopen(); }

    @Override
    public String repairedAtStart() { return inner.repairedAtStart(); }

    /** The output's own counters, with the alerts the full queue dropped added to dropped, and queued (waiting now). */
    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>(inner.counts());
        m.merge("dropped", dropped.get(), Long::sum);
        m.put("queued", (long) queue.size());
        return m;
    }

    @Override
    public void close() {
        closing = true;
        try {
            sender.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt(); // the destination still blocks: what is left is lost, and counted
            dropped.addAndGet(queue.drainTo(new java.util.ArrayList<>()));
        }
        inner.close();
    }
}
