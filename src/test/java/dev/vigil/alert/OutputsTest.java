package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each output against a real receiver on this machine (files, loopback UDP, a unix socket, an HTTP server). */
class OutputsTest {
    static Alert alert(int i) {
        return Alert.builder("sequence", "anomaly").time(Instant.parse("2026-11-24T06:40:01Z")).host("web-1").severity(Alert.Severity.HIGH)
                .summary("alert number " + i + " with \"quotes\" and ] brackets").process(ProcessRef.of(4242, "sh"))
                .evidence("n", i).dedupKey("k\"]" + i).build();
    }

    @Test
    void fileRotatesBySizeKeepingNFiles(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("logs/alerts.json");
        int line = AlertJson.line(alert(10)).length() + 1;
        try (FileOutput out = new FileOutput(f, 4 * line, 2, AlertOutput.Format.JSON)) {
            for (int i = 10; i < 30; i++) out.send(alert(i)); // 20 lines: 5 files of 4, of which the newest 2 old ones are kept
            assertThat(out.counts()).containsEntry("sent", 20L).containsEntry("rotations", 5L).containsEntry("failed", 0L);
        }
        assertThat(Files.size(f)).isZero();
        assertThat(lines(dir.resolve("logs/alerts.json.1"))).containsExactly(26, 27, 28, 29);
        assertThat(lines(dir.resolve("logs/alerts.json.2"))).containsExactly(22, 23, 24, 25);
        assertThat(dir.resolve("logs/alerts.json.3")).doesNotExist();
    }

    @Test
    void reopenStartsANewFileAfterLogrotateMovedIt(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("alerts.json");
        try (FileOutput out = new FileOutput(f, 1 << 20, 3, AlertOutput.Format.JSON)) {
            out.send(alert(1));
            Files.move(f, dir.resolve("alerts.json.old"));
            out.send(alert(2)); // still into the moved file, as any daemon until HUP
            assertThat(out.reopen()).isEqualTo("reopened " + f);
            out.send(alert(3));
        }
        assertThat(lines(dir.resolve("alerts.json.old"))).containsExactly(1, 2);
        assertThat(lines(f)).containsExactly(3);
    }

    @Test
    void aFileThatCannotBeOpenedFailsAtStart(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("file"), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FileOutput(dir.resolve("file/alerts.json"), 1 << 20, 1, AlertOutput.Format.JSON))
                .isInstanceOf(IOException.class);
    }

    static List<Integer> lines(Path p) throws IOException {
        List<Integer> n = new ArrayList<>();
        for (String l : Files.readAllLines(p)) n.add(((Number) AlertJson.parse(l).evidence().get("n")).intValue());
        return n;
    }

    @Test
    void syslogOverUdpIsRfc5424(@TempDir Path dir) throws Exception {
        try (DatagramSocket rx = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             SyslogOutput out = new SyslogOutput("udp:127.0.0.1:" + rx.getLocalPort(), "local3", AlertOutput.Format.TEXT)) {
            rx.setSoTimeout(5000);
            out.send(alert(7));
            DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
            rx.receive(p);
            String m = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            // local3 = 19, high = err (3): 19*8+3 = 155
            assertThat(m).isEqualTo("<155>1 2026-11-24T06:40:01Z web-1 vigil " + ProcessHandle.current().pid() + " anomaly [vigil@32473 detector=\"sequence\" "
                    + "severity=\"high\" pid=\"4242\" dedup=\"k\\\"\\]7\"] " + AlertText.line(alert(7)));
            assertThat(out.counts()).containsEntry("sent", 1L);
        }
    }

    @Test
    void syslogOverAUnixDatagramSocket(@TempDir Path dir) throws Exception {
        String path = dir.resolve("log").toString();
        try (UnixDatagram rx = UnixDatagram.bind(path, 5000);
             SyslogOutput out = new SyslogOutput("unix:" + path, "daemon", AlertOutput.Format.JSON)) {
            out.send(alert(8));
            String m = new String(rx.receive(65536), StandardCharsets.UTF_8);
            assertThat(m).startsWith("<27>1 2026-11-24T06:40:01Z web-1 vigil ");
            String json = m.substring(m.indexOf("] {") + 2);
            assertThat(AlertJson.parse(json).evidence()).containsEntry("n", 8);
        }
    }

    /** A syslog socket nobody reads (a stuck journald, or one an attacker binds in its place) must not stop detection. */
    @Test
    void aSyslogSocketNobodyReadsNeverBlocksTheAgent(@TempDir Path dir) throws Exception {
        String path = dir.resolve("log").toString();
        try (UnixDatagram rx = UnixDatagram.bind(path, 5000);
             SyslogOutput out = new SyslogOutput("unix:" + path, "daemon", AlertOutput.Format.TEXT)) {
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
                for (int i = 0; i < 5000; i++) out.send(alert(i));
            });
            assertThat(out.counts().get("dropped")).as("more than the socket's queue holds").isPositive();
            assertThat(out.counts().get("sent") + out.counts().get("dropped")).isEqualTo(5000L);
            assertThat(out.counts()).containsEntry("failed", 0L);
        }
    }

    /**
     * A stdout nobody reads (a real pipe to a process that never reads it; full after 64 KiB): the queued output's send
     * never blocks, what the full queue cannot take is dropped and counted, and every alert is accounted for exactly.
     */
    @Test
    void aStdoutPipeNobodyReadsNeverBlocksTheAgent() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        QueuedOutput out = new QueuedOutput(new StreamOutput("stdout", new java.io.PrintStream(sleeper.getOutputStream(), false), AlertJson::line), 100);
        try {
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
                for (int i = 0; i < 5000; i++) out.send(alert(i));
            });
            await(() -> out.counts().get("queued") == 100);
            Map<String, Long> c = out.counts();
            assertThat(c.get("dropped")).as("the pipe holds 64 KiB, the queue 100: the rest is dropped").isGreaterThan(4000L);
            assertThat(c.get("sent") + c.get("dropped") + c.get("queued")).as("one alert is being written, blocked").isEqualTo(4999L);
        } finally {
            sleeper.destroyForcibly().waitFor();
            out.close();
        }
        Map<String, Long> c = out.counts();
        assertThat(c.get("sent") + c.get("failed") + c.get("dropped")).as("each alert sent, failed (the pipe broke) or dropped").isEqualTo(5000L);
        assertThat(c).containsEntry("queued", 0L);
    }

    /** A thousand long file names in one alert: syslog gets its first 16 KiB, marked, not EMSGSIZE for the whole. */
    @Test
    void anOversizedSyslogMessageIsCutNotRefused(@TempDir Path dir) throws Exception {
        String path = dir.resolve("log").toString();
        Alert big = Alert.builder("profile", "anomaly").time(java.time.Instant.EPOCH).host("web-1").summary("\u00e9".repeat(200_000)).build();
        try (UnixDatagram rx = UnixDatagram.bind(path, 5000);
             SyslogOutput out = new SyslogOutput("unix:" + path, "daemon", AlertOutput.Format.TEXT)) {
            out.send(big);
            byte[] m = rx.receive(1 << 20);
            assertThat(m.length).isLessThanOrEqualTo(SyslogOutput.MAX_BYTES);
            assertThat(new String(m, StandardCharsets.UTF_8)).endsWith("\u00e9 ...[cut]");
            assertThat(out.counts()).containsEntry("sent", 1L).containsEntry("cut", 1L);
        }
    }

    @Test
    void syslogWithNobodyListeningCountsFailures(@TempDir Path dir) throws Exception {
        try (SyslogOutput out = new SyslogOutput("unix:" + dir.resolve("nobody"), "daemon", AlertOutput.Format.TEXT)) {
            out.send(alert(1));
            out.send(alert(2));
            assertThat(out.counts()).containsEntry("sent", 0L).containsEntry("failed", 2L);
        }
    }

    /** A webhook receiver: answers each request with the next status of a script (then 200), keeps the bodies. */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> script;
        final AtomicInteger requests = new AtomicInteger();
        final CountDownLatch gate;

        Receiver(List<Integer> script, CountDownLatch gate) throws IOException {
            this.script = script;
            this.gate = gate;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/hook", ex -> {
                try {
                    if (gate != null) gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                int i = requests.getAndIncrement();
                int code = i < script.size() ? script.get(i) : 200;
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (code == 200) bodies.add(body + " " + ex.getRequestHeaders().getFirst("X-Token"));
                ex.sendResponseHeaders(code, -1);
                ex.close();
            });
            server.start();
        }

        URI url() { return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"); }

        @Override
        public void close() { server.stop(0); }
    }

    static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 200 && !c.getAsBoolean(); i++) Thread.sleep(50);
    }

    @Test
    void webhookPostsBatchesAndRetriesServerErrors() throws Exception {
        try (Receiver r = new Receiver(List.of(503, 500), null);
             WebhookOutput out = new WebhookOutput(r.url(), Map.of("X-Token", "s3cret"), 100, 10, 5, Duration.ofSeconds(5), Duration.ofMillis(20))) {
            out.send(alert(1));
            await(() -> r.bodies.size() == 1);
            assertThat(r.requests.get()).as("two failures, then delivered").isEqualTo(3);
            String body = r.bodies.getFirst();
            assertThat(body).endsWith(" s3cret");
            var arr = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body.substring(0, body.lastIndexOf(' ')));
            assertThat(arr.isArray()).isTrue();
            assertThat(AlertJson.from(arr.get(0)).evidence()).containsEntry("n", 1);
            assertThat(out.counts()).containsEntry("sent", 1L).containsEntry("failed", 2L).containsEntry("retries", 2L).containsEntry("dropped", 0L);
        }
    }

    @Test
    void webhookDropsWhatTheReceiverRefusesAndWhatOverflowsTheQueue() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (Receiver r = new Receiver(List.of(400), gate);
             WebhookOutput out = new WebhookOutput(r.url(), Map.of(), 5, 1, 3, Duration.ofSeconds(5), Duration.ofMillis(20))) {
            out.send(alert(0)); // taken by the sender, which waits on the gated receiver
            await(() -> r.requests.get() == 1 || out.counts().get("queued") == 0);
            Thread.sleep(200);
            for (int i = 1; i <= 10; i++) out.send(alert(i)); // 5 fit in the queue, 5 are dropped
            assertThat(out.counts()).containsEntry("dropped", 5L).containsEntry("queued", 5L);
            gate.countDown();
            // the receiver records a body before its response reaches the sender, which counts it sent only then
            await(() -> r.bodies.size() == 5 && out.counts().get("sent") == 5);
            assertThat(out.counts()).as("the first refused with 400 (not retried), the 5 queued delivered")
                    .containsEntry("sent", 5L).containsEntry("dropped", 6L).containsEntry("retries", 0L);
        }
    }

    @Test
    void webhookToNobodyDropsAfterItsRetries() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (WebhookOutput out = new WebhookOutput(URI.create("http://127.0.0.1:" + port + "/x"), Map.of(), 10, 10, 2, Duration.ofSeconds(2),
                Duration.ofMillis(10))) {
            out.send(alert(1));
            await(() -> out.counts().get("dropped") == 1);
            assertThat(out.counts()).containsEntry("dropped", 1L).containsEntry("failed", 3L).containsEntry("retries", 2L);
            assertThat(out.lastError()).contains("ConnectException");
        }
    }
}
