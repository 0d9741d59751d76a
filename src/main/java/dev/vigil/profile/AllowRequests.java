package dev.vigil.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Operators' requests, handed to a running agent through its state folder: `vigil
 * workloads allow` (an item is learnt in that workload's dimension), `reset` (a workload's
 * profile, or one dimension of it, is forgotten and learnt again) and `import` (a profile
 * file is merged in) each write one JSON file into STATE_DIR/allow/; the agent applies them
 * in order at start and within a second while it runs, then deletes them. Files, so no
 * socket is needed and a request made while the agent is down waits for its start.
 * Thread-safe (stateless).
 */
public final class AllowRequests {
    public static final String DIR = "allow";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AllowRequests() {}

    /** action: allow (key, dimension, item), reset (key, dimension or "" for all) or import (item: what was merged). */
    public record Request(String action, WorkloadKey key, String dimension, String item, Instant requested) {
        public Request(WorkloadKey key, String dimension, String item, Instant requested) { this("allow", key, dimension, item, requested); }
    }

    /** Writes a request (atomically: a temporary file renamed). */
    public static Path write(Path stateDir, Request r) throws IOException {
        Path dir = stateDir.resolve(DIR);
        Files.createDirectories(dir);
        byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("action", r.action()).put("key", r.key().text()).put("dimension", r.dimension())
                .put("item", r.item()).put("requested", r.requested().toString()));
        return place(dir, body, r.requested());
    }

    /** Hands a profile file (already validated) to the agent, to be merged in. */
    public static Path writeImport(Path stateDir, byte[] profiles) throws IOException {
        Path dir = stateDir.resolve(DIR);
        Files.createDirectories(dir);
        return place(dir, profiles, Instant.now());
    }

    private static Path place(Path dir, byte[] body, Instant when) throws IOException {
        Path tmp = Files.createTempFile(dir, ".req", ".tmp");
        Files.write(tmp, body);
        Path file = dir.resolve(String.format("%015d", when.toEpochMilli()) + "-" + Long.toHexString(System.nanoTime()) + ".json");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** The requests waiting in stateDir, oldest first; unreadable files are skipped (and kept). */
    public static List<Request> pending(Path stateDir) {
        Path dir = stateDir.resolve(DIR);
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) return List.of();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            return List.of();
        }
        files.sort(null);
        List<Request> out = new ArrayList<>();
        for (Path f : files) {
            Request r = read(f);
            if (r != null) out.add(r);
        }
        return out;
    }

    private static Request read(Path f) {
        try {
            JsonNode o = JSON.readTree(Files.readAllBytes(f));
            if (o.has("format")) return new Request("import", null, "", f.getFileName().toString(), Instant.EPOCH);
            return new Request(o.path("action").asText("allow"), WorkloadKey.parse(o.path("key").asText()), o.path("dimension").asText(),
                    o.path("item").asText(), Instant.parse(o.path("requested").asText()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Applies every pending request to the set (creating the workload's profile and dimension
     * when new) and deletes its file; returns what was applied.
     */
    public static List<Request> apply(Path stateDir, ProfileSet set, Dimension.Learning learning, Instant now) {
        Path dir = stateDir.resolve(DIR);
        if (!Files.isDirectory(dir)) return List.of();
        List<Request> done = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            return List.of();
        }
        files.sort(null);
        for (Path f : files) {
            Request r = read(f);
            if (r == null) continue;
            switch (r.action()) {
                case "import" -> {
                    try {
                        ProfileSet in = ProfileSet.read(f, Integer.MAX_VALUE, learning);
                        int added = set.merge(in, learning, now);
                        r = new Request("import", null, "", added + " items of " + in.all().size() + " workload profile(s)", now);
                    } catch (IOException | RuntimeException e) {
                        continue; // kept, unreadable
                    }
                }
                case "reset" -> set.reset(r.key(), r.dimension());
                default -> {
                    WorkloadProfile p = set.get(r.key(), false);
                    if (p == null) continue;
                    p.dimension(r.dimension(), learning, now).allow(r.item(), now);
                }
            }
            done.add(r);
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                // applied again next time: allowing twice is harmless
            }
        }
        return done;
    }

    /** The shell command that allows an item (for alerts): single-quoted arguments. */
    public static String command(WorkloadKey key, String dimension, String item) {
        return "vigil workloads allow " + quote(key.text()) + " " + dimension + " " + quote(item);
    }

    static String quote(String s) { return "'" + s.replace("'", "'\\''") + "'"; }
}
