package dev.vigil.alert;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Prometheus metrics of one vigil command, served at http://HOST:PORT/metrics. Every
 * metric reads its value when scraped (callbacks), so nothing is added to the hot paths;
 * the suppliers are called on the HTTP server's thread and must be safe to call from it
 * (atomics, volatiles, BPF map reads). {@link #none()} registers nothing and serves
 * nothing. Close it to stop the server.
 */
public final class Metrics implements AutoCloseable {
    private final PrometheusRegistry registry;
    private final HTTPServer server;

    private Metrics(PrometheusRegistry registry, HTTPServer server) {
        this.registry = registry;
        this.server = server;
    }

    /** Metrics that go nowhere (no --metrics). */
    public static Metrics none() { return new Metrics(null, null); }

    /**
     * Serves the metrics of command on host:port (port 0: a free one) and registers
     * vigil_info{command, version} = 1.
     */
    public static Metrics serve(String host, int port, String command, String version) throws IOException {
        PrometheusRegistry r = new PrometheusRegistry();
        HTTPServer s = HTTPServer.builder().hostname(host).port(port).registry(r).buildAndStart();
        Metrics m = new Metrics(r, s);
        GaugeWithCallback.builder().name("vigil_info").help("vigil's version and the command serving these metrics")
                .labelNames("command", "version").callback(cb -> cb.call(1, command, version)).register(r);
        return m;
    }

    public boolean enabled() { return registry != null; }

    /** The port served (useful with port 0), or -1. */
    public int port() { return server == null ? -1 : server.getPort(); }

    /** A counter (exposed as NAME_total) read from value at each scrape. */
    public Metrics counter(String name, String help, LongSupplier value) {
        if (registry != null) CounterWithCallback.builder().name(name).help(help).callback(cb -> safely(() -> cb.call(value.getAsLong()))).register(registry);
        return this;
    }

    /** A counter with one label, one series per key of the map values returns at each scrape. */
    public Metrics counter(String name, String help, String label, Supplier<Map<String, Long>> values) {
        if (registry != null) {
            CounterWithCallback.builder().name(name).help(help).labelNames(label)
                    .callback(cb -> safely(() -> values.get().forEach((k, v) -> cb.call(v, k)))).register(registry);
        }
        return this;
    }

    /** A counter with two labels, from a map of maps (first label, then second). */
    public Metrics counter2(String name, String help, String label1, String label2, Supplier<Map<String, Map<String, Long>>> values) {
        if (registry != null) {
            CounterWithCallback.builder().name(name).help(help).labelNames(label1, label2)
                    .callback(cb -> safely(() -> values.get().forEach((a, m) -> m.forEach((b, v) -> cb.call(v, a, b))))).register(registry);
        }
        return this;
    }

    /** A gauge read from value at each scrape. */
    public Metrics gauge(String name, String help, DoubleSupplier value) {
        if (registry != null) GaugeWithCallback.builder().name(name).help(help).callback(cb -> safely(() -> cb.call(value.getAsDouble()))).register(registry);
        return this;
    }

    /** A gauge with one label, one series per key of the map values returns at each scrape. */
    public Metrics gauge(String name, String help, String label, Supplier<Map<String, ? extends Number>> values) {
        if (registry != null) {
            GaugeWithCallback.builder().name(name).help(help).labelNames(label)
                    .callback(cb -> safely(() -> values.get().forEach((k, v) -> cb.call(v.doubleValue(), k)))).register(registry);
        }
        return this;
    }

    /** A value that cannot be read now (its source is closing) is left out of this scrape. */
    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // skipped for this scrape
        }
    }

    @Override
    public void close() {
        if (server != null) server.close();
    }
}
