package dev.vigil.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** vigil's BPF programs and links currently in the kernel, as bpftool reports them. */
public final class KernelState {
    private KernelState() {}

    public record Entry(String kind, long id, String name) {}

    /** Programs whose name starts with "vigil_" and links to them. */
    public static Set<Entry> ours() {
        Set<Entry> out = new HashSet<>();
        Set<Long> progIds = new HashSet<>();
        for (JsonNode p : bpftool("prog", "show")) {
            String name = p.path("name").asText("");
            if (name.startsWith("vigil_")) {
                out.add(new Entry("prog", p.path("id").asLong(), name));
                progIds.add(p.path("id").asLong());
            }
        }
        for (JsonNode l : bpftool("link", "show")) {
            if (progIds.contains(l.path("prog_id").asLong())) {
                out.add(new Entry("link", l.path("id").asLong(), "prog " + l.path("prog_id").asLong()));
            }
        }
        return out;
    }

    /** Waits up to 3 s for the kernel to free what is new since before; returns what stays. */
    public static Set<Entry> awaitNoNew(Set<Entry> before) throws InterruptedException {
        Set<Entry> now = Set.of();
        for (int i = 0; i < 60; i++) {
            now = new HashSet<>(ours());
            now.removeAll(before);
            if (now.isEmpty()) return now;
            Thread.sleep(50); // program release is deferred by RCU
        }
        return now;
    }

    private static JsonNode bpftool(String... args) {
        try {
            String[] cmd = new String[args.length + 2];
            cmd[0] = "bpftool";
            cmd[1] = "-j";
            System.arraycopy(args, 0, cmd, 2, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("bpftool " + String.join(" ", args) + " failed");
            }
            JsonNode n = new ObjectMapper().readTree(out);
            return n == null ? new ObjectMapper().createArrayNode() : n;
        } catch (Exception e) {
            throw new IllegalStateException("cannot list BPF objects with bpftool (apt-get install bpftool): " + e.getMessage(), e);
        }
    }
}
