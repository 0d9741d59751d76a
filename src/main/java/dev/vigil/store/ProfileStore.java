package dev.vigil.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The saved lookahead-pair profiles of `vigil watch` (profiles.vigil): magic "VIGILPRF",
 * format version, a JSON header (architecture, window, each profile's key, path, state and
 * counters), then each profile's pair bitmaps (u16 current call + 64 little-endian u64
 * words), then a CRC-32 of everything before it. Written to a temporary file and renamed.
 * Stateless and thread-safe.
 */
public final class ProfileStore {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE = "profiles.vigil";
    static final byte[] MAGIC = "VIGILPRF".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WORDS = 64;

    /** One profile: key, where its executable was, its counters and pairs (current call -> 64 words). */
    public record Entry(long ino, int dev, String path, long calls, long lastNew, long anomalies, long pairs, int state,
                        long tolerized, Map<Integer, long[]> bits) {}

    public record Snapshot(String arch, int window, List<Entry> profiles) {}

    private ProfileStore() {}

    public static void write(Path file, Snapshot s) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, ByteBuffer.wrap(bytes(s))); // fsynced: a power cut leaves the old or the new
    }

    /** The snapshot as its file's bytes (what {@link #write} writes). */
    public static byte[] bytes(Snapshot s) throws IOException {
        ObjectNode h = JSON.createObjectNode();
        h.put("format", "vigil-profiles").put("version", FORMAT_VERSION).put("arch", s.arch()).put("window", s.window());
        ArrayNode arr = h.putArray("profiles");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer entry = ByteBuffer.allocate(2 + 8 * WORDS).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : s.profiles()) {
            arr.addObject().put("ino", e.ino()).put("dev", e.dev()).put("path", e.path()).put("calls", e.calls())
                    .put("last_new", e.lastNew()).put("anomalies", e.anomalies()).put("pairs", e.pairs())
                    .put("state", e.state()).put("tolerized", e.tolerized()).put("entries", e.bits().size());
            for (Map.Entry<Integer, long[]> b : new TreeMap<>(e.bits()).entrySet()) {
                if (b.getValue().length != WORDS) throw new IllegalArgumentException("pair bitmap of " + b.getValue().length + " words");
                entry.clear();
                entry.putShort((short) (int) b.getKey());
                for (long w : b.getValue()) entry.putLong(w);
                body.write(entry.array());
            }
        }
        byte[] header = JSON.writeValueAsBytes(h);
        ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).putInt(FORMAT_VERSION).putInt(header.length);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(head.array());
        all.write(header);
        body.writeTo(all);
        CRC32 crc = new CRC32();
        byte[] bytes = all.toByteArray();
        crc.update(bytes);
        ByteBuffer c = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        return concat(bytes, c.array());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** @throws ModelFile.InvalidModelException naming the file and what is wrong */
    public static Snapshot read(Path file) throws IOException {
        String name = file.toString();
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFile.InvalidModelException(name + ": no such profile file");
        }
        if (all.length < 20 || !Arrays.equals(all, 0, 8, MAGIC, 0, 8)) {
            throw new ModelFile.InvalidModelException(name + ": not a vigil profile file (bad magic)");
        }
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(8);
        int version = buf.getInt();
        if (version != FORMAT_VERSION) {
            throw new ModelFile.InvalidModelException(name + ": profile format version " + version + ", this vigil reads version " + FORMAT_VERSION);
        }
        int headerLen = buf.getInt();
        if (headerLen <= 0 || 16L + headerLen + 4 > all.length) throw new ModelFile.InvalidModelException(name + ": truncated profile file (header)");
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        int stored = ByteBuffer.wrap(all, all.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != stored) throw new ModelFile.InvalidModelException(name + ": corrupt profile file (checksum mismatch)");
        try {
            JsonNode h = JSON.readTree(new String(all, 16, headerLen, StandardCharsets.UTF_8));
            long expected = 16L + headerLen + 4;
            for (JsonNode p : h.get("profiles")) expected += (long) p.get("entries").asInt() * (2 + 8 * WORDS);
            if (expected != all.length) throw new ModelFile.InvalidModelException(name + ": corrupt profile file (" + all.length + " bytes, header says " + expected + ")");
            buf.position(16 + headerLen);
            List<Entry> out = new ArrayList<>();
            for (JsonNode p : h.get("profiles")) {
                Map<Integer, long[]> bits = new TreeMap<>();
                for (int i = 0; i < p.get("entries").asInt(); i++) {
                    int cur = buf.getShort() & 0xffff;
                    long[] w = new long[WORDS];
                    for (int j = 0; j < WORDS; j++) w[j] = buf.getLong();
                    bits.put(cur, w);
                }
                out.add(new Entry(p.get("ino").asLong(), p.get("dev").asInt(), p.get("path").asText(), p.get("calls").asLong(),
                        p.get("last_new").asLong(), p.get("anomalies").asLong(), p.get("pairs").asLong(), p.get("state").asInt(),
                        p.get("tolerized").asLong(), bits));
            }
            return new Snapshot(h.get("arch").asText(), h.get("window").asInt(), out);
        } catch (IOException | NullPointerException e) {
            throw new ModelFile.InvalidModelException(name + ": corrupt profile header (" + e.getClass().getSimpleName() + ")");
        }
    }
}
