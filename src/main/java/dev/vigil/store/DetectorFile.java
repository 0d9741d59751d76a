package dev.vigil.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A fitted sequence detector (monitor's stide, ngram-lm, gru-lm, ...) with what it needs to
 * be used: the detector spec it was made from and the seed, the syscall table's
 * architecture, the windows and threshold monitor calibrated, and what it was trained on.
 * Layout (little-endian):
 * <pre>
 *   "VIGILDET"            8-byte magic
 *   u32 format version    {@link #FORMAT_VERSION}
 *   u32 header length     then that many bytes of UTF-8 JSON (the fields of {@link Header})
 *   u64 state length      then the detector's own state (SequenceDetector.save)
 *   u32 CRC-32            of every byte before it
 * </pre>
 * Written atomically; never Java-serialized. Thread-safe (stateless).
 */
public final class DetectorFile {
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "VIGILDET".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DetectorFile() {}

    /**
     * What a detector file says of itself.
     * @param spec     the detector as evaluate and monitor name it (NAME[:k=v,...])
     * @param name     the fitted detector's own description ("ngram-lm n=12 D=0.95")
     * @param traces   traces it was fitted on; calls, their calls
     * @param source   where they came from (a folder)
     */
    public record Header(String spec, String name, long seed, String syscallArch, int window, int step, double threshold,
                         int traces, long calls, String source, String created) {}

    /** A read file: its header and the detector's state, to hand to SequenceDetector.load. */
    public record Read(Header header, byte[] state) {}

    public static void write(Path file, Header h, byte[] state) throws IOException {
        ObjectNode o = JSON.valueToTree(h);
        o.put("format_version", FORMAT_VERSION);
        byte[] header = JSON.writeValueAsBytes(o);
        ByteBuffer buf = ByteBuffer.allocate(8 + 4 + 4 + header.length + 8 + state.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(FORMAT_VERSION).putInt(header.length).put(header).putLong(state.length).put(state);
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        buf.flip();
        AtomicFile.write(file, buf);
    }

    public static Read read(Path file) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFile.InvalidModelException(file + ": no such file");
        }
        if (all.length < 8 + 4 + 4 + 8 + 4 || !Arrays.equals(Arrays.copyOf(all, 8), MAGIC)) {
            throw new ModelFile.InvalidModelException(file + ": not a vigil detector file" + (all.length >= 8 && new String(all, 0, 8, StandardCharsets.US_ASCII).equals("VIGILMDL")
                    ? " (an autoencoder model for vigil run)" : ""));
        }
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        if ((int) crc.getValue() != buf.getInt(all.length - 4)) throw new ModelFile.InvalidModelException(file + ": corrupt (checksum mismatch)");
        buf.position(8);
        int version = buf.getInt();
        if (version != FORMAT_VERSION) throw new ModelFile.InvalidModelException(file + ": format version " + version + ", this vigil reads " + FORMAT_VERSION);
        int hl = buf.getInt();
        if (hl < 2 || hl > all.length - buf.position() - 12) throw new ModelFile.InvalidModelException(file + ": truncated header");
        JsonNode o = JSON.readTree(new String(all, buf.position(), hl, StandardCharsets.UTF_8));
        buf.position(buf.position() + hl);
        long sl = buf.getLong();
        if (sl < 0 || sl != all.length - buf.position() - 4) throw new ModelFile.InvalidModelException(file + ": truncated detector state");
        byte[] state = new byte[(int) sl];
        buf.get(state);
        Header h = new Header(o.path("spec").asText(), o.path("name").asText(), o.path("seed").asLong(), o.path("syscallArch").asText(),
                o.path("window").asInt(), o.path("step").asInt(), o.path("threshold").asDouble(), o.path("traces").asInt(), o.path("calls").asLong(),
                o.path("source").asText(), o.path("created").asText());
        if (h.spec().isEmpty() || h.window() < 1 || h.step() < 1) throw new ModelFile.InvalidModelException(file + ": header lacks the detector spec or windows");
        return new Read(h, state);
    }
}
