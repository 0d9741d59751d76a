package dev.vigil.alert;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Alerts as RFC 5424 syslog messages, one datagram each, to a local socket (unix:/dev/log,
 * the default) or a UDP receiver (udp:HOST:PORT):
 * {@code <PRI>1 TIME HOST vigil PID KIND [vigil@32473 detector="..." severity="..." pid="..." dedup="..."] MESSAGE}.
 * PRI is the facility (daemon by default) times 8 plus the syslog severity mapped from the
 * alert's (critical 2, high 3, medium 4, low 5, info 6). The message is the alert's text
 * line, or its JSON. A send that fails (no receiver) is counted, never thrown. Thread-safe.
 */
public final class SyslogOutput implements AlertOutput {
    /** The enterprise number RFC 5612 reserves for examples; vigil has none of its own. */
    static final String SD_ID = "vigil@32473";
    private static final Map<String, Integer> FACILITIES = Map.ofEntries(Map.entry("kern", 0), Map.entry("user", 1), Map.entry("daemon", 3),
            Map.entry("auth", 4), Map.entry("syslog", 5), Map.entry("authpriv", 10), Map.entry("local0", 16), Map.entry("local1", 17),
            Map.entry("local2", 18), Map.entry("local3", 19), Map.entry("local4", 20), Map.entry("local5", 21), Map.entry("local6", 22),
            Map.entry("local7", 23));

    private final String address;
    private final int facility;
    private final Format format;
    private final String unixPath;
    private final InetSocketAddress udp;
    private final UnixDatagram unix;
    private final DatagramChannel channel;
    private final Counts counts = new Counts();
    private final long pid = ProcessHandle.current().pid();

    /** address: unix:PATH or udp:HOST:PORT; facility: a name (daemon, local0, ...). */
    public SyslogOutput(String address, String facility, Format format) throws IOException {
        this.address = address;
        this.format = format;
        Integer f = FACILITIES.get(facility);
        if (f == null) throw new IllegalArgumentException("unknown syslog facility '" + facility + "' (" + String.join(", ", new java.util.TreeSet<>(FACILITIES.keySet())) + ")");
        this.facility = f;
        if (address.startsWith("unix:")) {
            unixPath = address.substring(5);
            if (unixPath.isEmpty()) throw new IllegalArgumentException("syslog address unix: needs a path, e.g. unix:/dev/log");
            udp = null;
            channel = null;
            unix = UnixDatagram.open();
        } else if (address.startsWith("udp:")) {
            String hp = address.substring(4);
            int colon = hp.lastIndexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("syslog address '" + address + "' needs a port: udp:HOST:PORT");
            int port;
            try {
                port = Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("syslog address '" + address + "': bad port");
            String host = hp.substring(0, colon).replaceAll("^\\[|\\]$", "");
            udp = new InetSocketAddress(host, port);
            if (udp.isUnresolved()) throw new IllegalArgumentException("syslog address '" + address + "': unknown host " + host);
            unixPath = null;
            unix = null;
            channel = DatagramChannel.open();
        } else {
            throw new IllegalArgumentException("syslog address '" + address + "' must be unix:PATH or udp:HOST:PORT");
        }
    }

    @Override
    public String name() { return "syslog"; }

    static int severity(Alert.Severity s) {
        return switch (s) {
            case CRITICAL -> 2;
            case HIGH -> 3;
            case MEDIUM -> 4;
            case LOW -> 5;
            case INFO -> 6;
        };
    }

    /** The RFC 5424 message for an alert. */
    String message(Alert a) {
        StringBuilder sb = new StringBuilder();
        sb.append('<').append(facility * 8 + severity(a.severity())).append(">1 ")
                .append(a.time().truncatedTo(ChronoUnit.MICROS)).append(' ')
                .append(field(a.host(), 255)).append(" vigil ").append(pid).append(' ').append(field(a.kind(), 32)).append(' ')
                .append('[').append(SD_ID);
        param(sb, "detector", a.detector());
        param(sb, "severity", a.severity().label());
        if (a.process() != null) param(sb, "pid", Integer.toString(a.process().pid()));
        param(sb, "dedup", a.dedupKey());
        if (a.suppressed() > 0) param(sb, "suppressed", Long.toString(a.suppressed()));
        sb.append("] ").append(format.render(a));
        return sb.toString();
    }

    private static String field(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) if (c > 32 && c < 127 && b.length() < max) b.append(c);
        return b.isEmpty() ? "-" : b.toString();
    }

    private static void param(StringBuilder sb, String k, String v) {
        sb.append(' ').append(k).append("=\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\' || c == ']') sb.append('\\');
            sb.append(c);
        }
        sb.append('"');
    }

    /** The longest message sent: a longer one is cut (and counted), never refused as a whole with EMSGSIZE. */
    static final int MAX_BYTES = 16 * 1024;
    private final java.util.concurrent.atomic.AtomicLong cut = new java.util.concurrent.atomic.AtomicLong();

    /** Never waits: a syslog socket nobody reads drops the alert (counted) instead of stopping the agent's detection. */
    @Override
    public void send(Alert a) {
        byte[] m = message(a).getBytes(StandardCharsets.UTF_8);
        if (m.length > MAX_BYTES) {
            m = cut(m);
            cut.incrementAndGet();
        }
        try {
            if (unix != null) unix.send(unixPath, m);
            else synchronized (channel) { channel.send(ByteBuffer.wrap(m), udp); }
            counts.sent.incrementAndGet();
        } catch (UnixDatagram.WouldBlock e) {
            counts.dropped.incrementAndGet();
        } catch (IOException e) {
            counts.failed.incrementAndGet();
        }
    }

    /** The first MAX_BYTES of a message, cut at a character's start, ending with a mark. */
    private static byte[] cut(byte[] m) {
        byte[] mark = " ...[cut]".getBytes(StandardCharsets.UTF_8);
        int end = MAX_BYTES - mark.length;
        while (end > 0 && (m[end] & 0xc0) == 0x80) end--; // not inside a UTF-8 sequence
        byte[] out = java.util.Arrays.copyOf(m, end + mark.length);
        System.arraycopy(mark, 0, out, end, mark.length);
        return out;
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new java.util.LinkedHashMap<>(counts.map());
        m.put("cut", cut.get());
        return m;
    }

    public String address() { return address; }

    @Override
    public void close() {
        if (unix != null) unix.close();
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }
}
