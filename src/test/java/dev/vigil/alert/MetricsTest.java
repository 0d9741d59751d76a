package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

public class MetricsTest {
    public static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void servesCountersAndGaugesReadAtScrapeTime() throws Exception {
        AtomicLong alerts = new AtomicLong(3);
        Map<String, Long> kinds = new LinkedHashMap<>(Map.of("lost", 2L));
        try (Metrics m = Metrics.serve("127.0.0.1", 0, "test", "9.9")) {
            m.counter("vigil_alerts", "Alerts raised", alerts::get)
                    .counter("vigil_kernel", "per kind", "kind", () -> kinds)
                    .counter2("vigil_events", "per collector and kind", "collector", "kind", () -> Map.of("exec", Map.of("events", 7L)))
                    .gauge("vigil_threshold", "threshold", () -> 0.25)
                    .counter("vigil_broken", "a source that fails", () -> { throw new IllegalStateException("closed"); });
            assertThat(m.enabled()).isTrue();
            String first = scrape(m.port());
            assertThat(first).contains("vigil_alerts_total 3.0", "vigil_kernel_total{kind=\"lost\"} 2.0",
                    "vigil_events_total{collector=\"exec\",kind=\"events\"} 7.0", "vigil_threshold 0.25",
                    "vigil_info{command=\"test\",version=\"9.9\"} 1.0", "# HELP vigil_alerts_total Alerts raised");
            assertThat(first).doesNotContain("vigil_broken_total ");
            alerts.set(5);
            kinds.put("full", 1L);
            assertThat(scrape(m.port())).contains("vigil_alerts_total 5.0", "vigil_kernel_total{kind=\"full\"} 1.0");
        }
    }

    @Test
    void noneServesNothingAndIgnoresRegistrations() {
        try (Metrics m = Metrics.none()) {
            m.counter("x", "y", () -> 1).gauge("z", "w", () -> 1);
            assertThat(m.enabled()).isFalse();
            assertThat(m.port()).isEqualTo(-1);
        }
    }
}
