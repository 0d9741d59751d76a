package dev.vigil.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Alerts POSTed to an HTTP(S) endpoint as a JSON array of up to {@code batch} alerts
 * (Content-Type application/json). {@link #send} only enqueues into a bounded queue and
 * never blocks: an alert that finds it full is dropped and counted. One sender thread
 * takes what is queued, posts it, and on a connection error, a timeout, 429 or a 5xx
 * retries with exponential backoff (from {@code backoff}, doubling, at most 30 s) up to
 * {@code retries} times, then drops the batch (counted). Other statuses (4xx) drop the
 * batch at once: the receiver refused it. Close waits up to 5 s for the queue to empty.
 * Thread-safe.
 */
public final class WebhookOutput implements AlertOutput {
    private final URI url;
    private final Map<String, String> headers;
    private final int batch, retries;
    private final Duration timeout, backoff;
    private final BlockingQueue<Alert> queue;
    private final HttpClient client;
    private final Counts counts = new Counts();
    private final AtomicLong retried = new AtomicLong(), requests = new AtomicLong();
    private final Thread sender;
    private volatile boolean closing;
    private volatile String lastError = "";

    public WebhookOutput(URI url, Map<String, String> headers, int queueSize, int batch, int retries, Duration timeout, Duration backoff) {
        if (url.getScheme() == null || !List.of("http", "https").contains(url.getScheme())) {
            throw new IllegalArgumentException("webhook url '" + url + "' must be http:// or https://");
        }
        if (queueSize < 1 || batch < 1 || retries < 0) throw new IllegalArgumentException("webhook queue and batch must be >= 1, retries >= 0");
        this.url = url;
        this.headers = Map.copyOf(headers);
        this.batch = batch;
        this.retries = retries;
        this.timeout = timeout;
        this.backoff = backoff;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.sender = Thread.ofPlatform().name("vigil-webhook").daemon().start(this::run);
    }

    @Override
    public String name() { return "webhook"; }

    @Override
    public void send(Alert a) {
        if (closing || !queue.offer(a)) counts.dropped.incrementAndGet();
    }

    private void run() {
        List<Alert> taken = new ArrayList<>(batch);
        while (!(closing && queue.isEmpty())) {
            try {
                Alert first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                taken.add(first);
                queue.drainTo(taken, batch - 1);
                deliver(taken);
            } catch (InterruptedException e) {
                break;
            } finally {
                taken.clear();
            }
        }
    }

    private void deliver(List<Alert> alerts) throws InterruptedException {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < alerts.size(); i++) body.append(i == 0 ? "" : ",").append(AlertJson.line(alerts.get(i)));
        body.append(']');
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
                .header("User-Agent", "vigil").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        headers.forEach(rb::header);
        HttpRequest req = rb.build();
        long wait = backoff.toMillis();
        for (int attempt = 0; ; attempt++) {
            boolean retry;
            try {
                requests.incrementAndGet();
                HttpResponse<Void> r = client.send(req, HttpResponse.BodyHandlers.discarding());
                int code = r.statusCode();
                if (code / 100 == 2) {
                    counts.sent.addAndGet(alerts.size());
                    return;
                }
                lastError = "HTTP " + code;
                retry = code == 429 || code >= 500;
            } catch (IOException e) {
                lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                retry = true;
            }
            counts.failed.incrementAndGet();
            if (!retry || attempt >= retries || closing && attempt >= 1) {
                counts.dropped.addAndGet(alerts.size());
                return;
            }
            retried.incrementAndGet();
            Thread.sleep(wait);
            wait = Math.min(30_000, wait * 2);
        }
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = counts.map();
        m.put("requests", requests.get());
        m.put("retries", retried.get());
        m.put("queued", (long) queue.size());
        return m;
    }

    /** The last failure, for the summary ("" when none). */
    public String lastError() { return lastError; }

    @Override
    public void close() {
        closing = true;
        try {
            sender.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        counts.dropped.addAndGet(queue.size());
        queue.clear();
        client.close();
    }
}
