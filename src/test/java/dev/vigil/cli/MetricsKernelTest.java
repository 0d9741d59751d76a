package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --metrics on a live monitor: the counters move while it runs; a taken port is a usage error. */
@KernelTest
class MetricsKernelTest {
    static double value(String text, String metric) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void monitorServesItsCountersWhileItRuns(@TempDir Path dir) throws Exception {
        Path train = Files.createDirectories(dir.resolve("train"));
        Files.writeString(train.resolve("a.trace"), "getppid getppid getppid getppid\n");
        Files.writeString(train.resolve("b.trace"), "getppid getppid getppid getppid getppid\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String loop = Native.helper("getppid_loop").toString();
        CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> Cli.run("monitor", "--train", train.toString(), "--detector", "stide:n=2", "--window", "20",
                "--step", "20", "--metrics", "127.0.0.1:" + port, "--duration", "20", "--", "/bin/sh", "-c", loop + " 5000; sleep 30"));
        HttpClient http = HttpClient.newHttpClient();
        String text = "";
        try {
            // the monitor runs 20 s; its counters are read until they show every call (a loaded machine is slow to start it)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(19);
            while (System.nanoTime() < deadline && !run.isDone()) {
                try {
                    text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    if (value(text, "vigil_monitor_calls_total") >= 5000) break;
                } catch (java.io.IOException notYet) {
                    // the server is not up yet
                }
                Thread.sleep(100);
            }
        } finally {
            Cli r = run.get(30, TimeUnit.SECONDS); // never leave the monitor running
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("Prometheus metrics at http://127.0.0.1:" + port + "/metrics");
        }
        assertThat(value(text, "vigil_monitor_calls_total")).as(text).isGreaterThanOrEqualTo(5000);
        assertThat(value(text, "vigil_monitor_windows_scored_total")).isGreaterThanOrEqualTo(5000 / 20);
        assertThat(value(text, "vigil_calls_lost_total")).isZero();
        assertThat(value(text, "vigil_threshold")).isZero(); // every held-out bigram is getppid getppid
        assertThat(value(text, "vigil_monitor_processes")).isGreaterThanOrEqualTo(1); // sh and its sleep are still running
        assertThat(text).contains("vigil_info{command=\"monitor\",version=\"" + Main.VERSION + "\"} 1.0", "vigil_alerts_total");

        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Cli busy = Cli.run("monitor", "--train", train.toString(), "--metrics", "127.0.0.1:" + taken.getLocalPort(), "--", "true");
            assertThat(busy.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(busy.err()).contains("cannot serve there");
        }
        Cli bad = Cli.run("monitor", "--train", train.toString(), "--metrics", "here", "--", "true");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.error()).contains("expected [HOST:]PORT");
    }
}
