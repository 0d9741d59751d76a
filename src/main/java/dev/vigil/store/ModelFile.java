package dev.vigil.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * vigil's self-describing model file. Layout (little-endian):
 * <pre>
 *   "VIGILMDL"            8-byte magic
 *   u32 format version    {@link #FORMAT_VERSION}
 *   u32 header length     then that many bytes of UTF-8 JSON: kind, feature spec,
 *                         syscall table architecture, threshold, training statistics,
 *                         layers (in, out, activation)
 *   float32 tensors       per layer: weight (out x in, row-major), bias (out)
 *   u32 CRC-32            of every byte before it
 * </pre>
 * Written to a temporary file in the same directory, forced to disk and renamed, so a
 * reader sees the old file or the new one, never half of one. Never Java-serialized.
 */
public final class ModelFile {
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "VIGILMDL".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HEADER = 1 << 20;

    private ModelFile() {}

    /** A model file that cannot be used; the message says why, in one line. */
    public static final class InvalidModelException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public InvalidModelException(String message) { super(message); }
    }

    /** What the features of a model are. */
    public record FeatureSpec(String name, int width, int sampleIntervalMs) {
        public static final String RATE_OF_CHANGE = "syscall-rate-of-change";
    }

    /** How the model was trained. */
    public record Training(int samples, int heldOut, int epochs, int batchSize, long seed,
                           double finalTrainLoss, double finalHeldOutLoss, double seconds, String dataFile) {}

    /** One dense layer's parameters: weight out x in row-major, bias out; activation "relu" or "linear". */
    public record Layer(int in, int out, String activation, float[] weight, float[] bias) {
        public Layer {
            if (weight.length != (long) in * out || bias.length != out) throw new IllegalArgumentException("layer tensors do not fit " + in + "x" + out);
        }
    }

    /** A stored model with everything needed to use it. */
    public record Stored(String kind, FeatureSpec feature, String syscallArch, double threshold,
                         Training training, String created, List<Layer> layers) {}

    public static void write(Path file, Stored m) throws IOException {
        ObjectNode h = JSON.createObjectNode();
        h.put("format_version", FORMAT_VERSION);
        h.put("kind", m.kind());
        h.put("created", m.created());
        ObjectNode f = h.putObject("feature");
        f.put("name", m.feature().name());
        f.put("width", m.feature().width());
        f.put("sample_interval_ms", m.feature().sampleIntervalMs());
        h.put("syscall_arch", m.syscallArch());
        h.put("threshold", m.threshold());
        h.set("training", JSON.valueToTree(m.training()));
        ArrayNode layers = h.putArray("layers");
        for (Layer d : m.layers()) {
            ObjectNode l = layers.addObject();
            l.put("in", d.in());
            l.put("out", d.out());
            l.put("activation", d.activation());
        }
        byte[] header = JSON.writeValueAsBytes(h);
        long tensorBytes = 0;
        for (Layer d : m.layers()) tensorBytes += 4L * (d.weight().length + d.bias().length);
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(8 + 4 + 4 + header.length + tensorBytes + 4)).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(FORMAT_VERSION).putInt(header.length).put(header);
        for (Layer d : m.layers()) {
            for (float v : d.weight()) buf.putFloat(v);
            for (float v : d.bias()) buf.putFloat(v);
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        buf.flip();
        AtomicFile.write(file, buf);
    }

    public static Stored read(Path file) throws IOException {
        String name = file.toString();
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException(name + ": no such model file");
        }
        if (all.length < 16 || !java.util.Arrays.equals(all, 0, 8, MAGIC, 0, 8)) {
            throw new InvalidModelException(name + ": not a vigil model file (bad magic)");
        }
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(8);
        int version = buf.getInt();
        if (version != FORMAT_VERSION) {
            throw new InvalidModelException(name + ": model format version " + version + ", this vigil reads version " + FORMAT_VERSION);
        }
        int headerLen = buf.getInt();
        if (headerLen <= 0 || headerLen > MAX_HEADER || 16L + headerLen + 4 > all.length) {
            throw new InvalidModelException(name + ": truncated model file (header)");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        int stored = ByteBuffer.wrap(all, all.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        JsonNode h;
        try {
            h = JSON.readTree(new String(all, 16, headerLen, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InvalidModelException(name + ": corrupt model header (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        List<int[]> dims = new ArrayList<>();
        List<String> acts = new ArrayList<>();
        long expected = 16L + headerLen + 4;
        try {
            for (JsonNode l : required(h, "layers", name)) {
                int in = l.get("in").asInt(), out = l.get("out").asInt();
                if (in <= 0 || out <= 0 || (long) in * out > 1 << 26) throw new InvalidModelException(name + ": corrupt model header (layer size)");
                dims.add(new int[] {in, out});
                String act = l.get("activation").asText();
                if (!act.equals("relu") && !act.equals("linear")) throw new InvalidModelException(name + ": corrupt model header (activation " + act + ")");
                acts.add(act);
                expected += 4L * ((long) in * out + out);
            }
        } catch (NullPointerException | IllegalArgumentException e) {
            if (e instanceof InvalidModelException ime) throw ime;
            throw new InvalidModelException(name + ": corrupt model header (layers)");
        }
        if (all.length < expected) throw new InvalidModelException(name + ": truncated model file (" + all.length + " of " + expected + " bytes)");
        if (all.length > expected) throw new InvalidModelException(name + ": corrupt model file (" + (all.length - expected) + " unexpected trailing bytes)");
        if ((int) crc.getValue() != stored) throw new InvalidModelException(name + ": corrupt model file (checksum mismatch)");
        buf.position(16 + headerLen);
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < dims.size(); l++) {
            float[] w = new float[dims.get(l)[0] * dims.get(l)[1]];
            float[] b = new float[dims.get(l)[1]];
            for (int i = 0; i < w.length; i++) w[i] = buf.getFloat();
            for (int i = 0; i < b.length; i++) b[i] = buf.getFloat();
            layers.add(new Layer(dims.get(l)[0], dims.get(l)[1], acts.get(l), w, b));
        }
        try {
            JsonNode f = required(h, "feature", name);
            FeatureSpec spec = new FeatureSpec(f.get("name").asText(), f.get("width").asInt(), f.get("sample_interval_ms").asInt());
            Training t = JSON.treeToValue(required(h, "training", name), Training.class);
            for (int l = 1; l < layers.size(); l++) {
                if (layers.get(l).in() != layers.get(l - 1).out()) throw new InvalidModelException(name + ": corrupt model (layer " + l + " does not fit)");
            }
            if (layers.isEmpty() || layers.getFirst().in() != spec.width() || layers.getLast().out() != spec.width()) {
                throw new InvalidModelException(name + ": corrupt model (network width differs from feature width " + spec.width() + ")");
            }
            double threshold = required(h, "threshold", name).asDouble();
            if (!Double.isFinite(threshold) || threshold < 0) throw new InvalidModelException(name + ": corrupt model (threshold " + threshold + ")");
            return new Stored(required(h, "kind", name).asText(), spec, required(h, "syscall_arch", name).asText(), threshold, t,
                    h.path("created").asText(""), layers);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            if (e instanceof InvalidModelException ime) throw ime;
            throw new InvalidModelException(name + ": corrupt model header (" + e.getMessage() + ")");
        }
    }

    private static JsonNode required(JsonNode h, String field, String name) {
        JsonNode n = h.get(field);
        if (n == null || n.isNull()) throw new InvalidModelException(name + ": corrupt model header (no " + field + ")");
        return n;
    }
}
