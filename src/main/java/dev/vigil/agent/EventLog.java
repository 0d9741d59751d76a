package dev.vigil.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.event.KernelEvent.Who;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessFacts;
import dev.vigil.store.ModelFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recording of what the workload detectors took in, so a run can be replayed exactly
 * (`vigil agent --record-events FILE`, then `--replay-events FILE`, no privileges): one JSON
 * object a line (format {@value #FORMAT} in the first), each with its time: the exec, exit,
 * slot and first-sight events in the order the agent handled them, the activity the kernel
 * reported for each slot at each tick and the repeats it counted, the moments the agent
 * closed alert groups, and every answer the host gave about a process (its cgroup,
 * executable, command line, a real path). Not thread-safe.
 */
public final class EventLog {
    public static final String FORMAT = "vigil.workload-events/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventLog() {}

    /** An entry of a recording, in order. */
    public sealed interface Entry permits Event, Tick, Due {
        Instant time();
    }

    public record Event(Instant time, KernelEvent event) implements Entry {}

    /** A tick: each slot's activity counter then, and the repeats of alerted items (by dedup key) counted since the last. */
    public record Tick(Instant time, Map<Integer, Long> activity, Map<String, Long> repeats) implements Entry {}

    /** The agent closed its due alert groups at this time. */
    public record Due(Instant time) implements Entry {}

    /** A recording read back: its entries and the facts the host gave. */
    public record Recording(List<Entry> entries, List<ProcessFacts.Answer> answers) {}

    /** Writes a recording; lines are flushed at each tick and at close. */
    public static final class Writer implements AutoCloseable {
        private final BufferedWriter out;
        private final Path file;
        private long lines;

        public Writer(Path file) throws IOException {
            this.file = file;
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            line(JSON.createObjectNode().put("format", FORMAT).put("started", Instant.now().toString()));
        }

        public Path file() { return file; }

        public long lines() { return lines; }

        private void line(ObjectNode o) {
            try {
                out.write(JSON.writeValueAsString(o));
                out.write('\n');
                lines++;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        }

        private static ObjectNode who(ObjectNode o, Who w) {
            return o.put("pid", w.pid()).put("tgid", w.tgid()).put("ppid", w.ppid()).put("uid", w.uid()).put("ktime", w.ktimeNs())
                    .put("cgroup", w.cgroup()).put("comm", w.comm());
        }

        /** An event the detectors take in (exec, exit, slot, item; others are not recorded). */
        public void event(KernelEvent e, Instant t) {
            ObjectNode o = JSON.createObjectNode().put("t", t.toString());
            switch (e) {
                case KernelEvent.Exec x -> {
                    who(o.put("ev", "exec"), x.who()).put("file", x.filename()).put("truncated", x.truncated());
                    if (!x.parentExe().isEmpty()) o.put("parent_exe", x.parentExe());
                    if (!x.exe().isEmpty()) o.put("exe", x.exe());
                    if (x.flags() != 0) o.put("flags", x.flags());
                    if (x.slot() != 0) o.put("from_slot", x.slot()).put("from_cgroup", x.slotCgroup());
                    if (x.ns().known()) namespaces(o, x.ns());
                    ArrayNode a = o.putArray("argv");
                    x.argv().forEach(a::add);
                }
                case KernelEvent.Exit x -> who(o.put("ev", "exit"), x.who()).put("status", x.status()).put("lifetime", x.lifetimeNs());
                case KernelEvent.Slot x -> {
                    who(o.put("ev", "slot"), x.who()).put("slot", x.slot()).put("reason", x.reason()).put("file", x.filename()).put("truncated", x.truncated());
                    if (!x.exe().isEmpty()) o.put("exe", x.exe());
                    if (x.flags() != 0) o.put("flags", x.flags());
                    if (x.fromSlot() != 0) o.put("from_slot", x.fromSlot()).put("from_cgroup", x.fromCgroup());
                    if (x.ns().known()) namespaces(o, x.ns());
                    ArrayNode a = o.putArray("argv");
                    x.argv().forEach(a::add);
                }
                case KernelEvent.Item x -> {
                    who(o.put("ev", "item"), x.who()).put("slot", x.slot()).put("kind", x.kind()).put("nr", x.syscall()).put("call", x.call())
                            .put("action", x.action()).put("ret", x.ret()).put("flags", x.flags()).put("family", x.family()).put("port", x.port())
                            .put("class", x.netClass()).put("addr", Base64.getEncoder().encodeToString(x.addr())).put("hash", x.hash())
                            .put("path", x.path()).put("dir", x.dir());
                    if (!x.real().isEmpty()) o.put("real", x.real());
                    ArrayNode a = o.putArray("args");
                    for (long v : x.args()) a.add(v);
                    if (!x.in().isEmpty()) {
                        ArrayNode in = o.putArray("in");
                        x.in().forEach(in::add);
                    }
                    if (x.stack().ip() != 0 || x.stack().error() != 0) {
                        ObjectNode st = o.putObject("stack").put("ip", x.stack().ip()).put("sp", x.stack().sp()).put("bp", x.stack().bp())
                                .put("error", x.stack().error());
                        ArrayNode fr = st.putArray("frames");
                        for (long addr : x.stack().frames()) fr.add(addr);
                        st.put("snapshot", Base64.getEncoder().encodeToString(x.stack().snapshot()));
                        if (x.stack().shortened()) st.put("shortened", true);
                        if (x.stack().di() != 0) st.put("di", x.stack().di());
                    }
                }
                case KernelEvent.Probe x -> {
                    who(o.put("ev", "probe"), x.who()).put("id", x.id()).put("slot", x.slot()).put("probe", x.probe()).put("phase", x.phase())
                            .put("depth", x.depth());
                    if (x.ret() != null) o.put("ret", x.ret());
                    ObjectNode v = o.putObject("values");
                    x.values().forEach((k, val) -> {
                        if (val instanceof Number n) v.put(k, n.longValue());
                        else v.put(k, String.valueOf(val));
                    });
                    ArrayNode f = o.putArray("frames");
                    x.frames().forEach(f::add);
                }
                default -> { return; }
            }
            line(o);
        }

        public void tick(Instant t, Map<Integer, Long> activity, Map<String, Long> repeats) {
            ObjectNode o = JSON.createObjectNode().put("t", t.toString()).put("ev", "tick");
            ObjectNode a = o.putObject("activity");
            activity.forEach((k, v) -> a.put(Integer.toString(k), v));
            ObjectNode r = o.putObject("repeats");
            repeats.forEach(r::put);
            line(o);
            flush();
        }

        public void due(Instant t) { line(JSON.createObjectNode().put("t", t.toString()).put("ev", "due")); }

        public void fact(ProcessFacts.Answer a) {
            ObjectNode o = JSON.createObjectNode().put("ev", "fact").put("q", a.question()).put("arg", a.argument());
            o.set("a", JSON.valueToTree(a.value()));
            line(o);
        }

        private void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws IOException { out.close(); }
    }

    /** Reads a recording; a file that is not one fails with one line naming it and the line. */
    public static Recording read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ModelFile.InvalidModelException(file + ": no such file");
        }
        List<Entry> entries = new ArrayList<>();
        List<ProcessFacts.Answer> answers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            try {
                JsonNode o = JSON.readTree(lines.get(i));
                if (i == 0) {
                    if (!FORMAT.equals(o.path("format").asText())) throw new IllegalArgumentException("format '" + o.path("format").asText() + "', expected " + FORMAT);
                    continue;
                }
                String ev = o.path("ev").asText();
                if (ev.equals("fact")) {
                    JsonNode a = o.get("a");
                    Object v = a == null || a.isNull() ? null : a.isArray() ? JSON.convertValue(a, List.class) : a.isNumber() ? (Object) a.asLong() : a.asText();
                    answers.add(new ProcessFacts.Answer(o.path("q").asText(), o.path("arg").asText(), v));
                    continue;
                }
                Instant t = Instant.parse(o.path("t").asText());
                entries.add(switch (ev) {
                    case "tick" -> {
                        Map<Integer, Long> act = new LinkedHashMap<>();
                        o.path("activity").properties().forEach(e -> act.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
                        Map<String, Long> rep = new LinkedHashMap<>();
                        o.path("repeats").properties().forEach(e -> rep.put(e.getKey(), e.getValue().asLong()));
                        yield new Tick(t, act, rep);
                    }
                    case "due" -> new Due(t);
                    default -> new Event(t, event(ev, o));
                });
            } catch (IOException | RuntimeException e) {
                throw new ModelFile.InvalidModelException(file + ":" + (i + 1) + ": not a workload event (" + e.getMessage() + ")");
            }
        }
        if (lines.isEmpty()) throw new ModelFile.InvalidModelException(file + ": empty, not a workload event recording");
        return new Recording(entries, answers);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static KernelEvent.UserStack stack(JsonNode s) {
        if (s.isMissingNode() || s.isNull()) return KernelEvent.UserStack.NONE;
        long[] f = new long[s.path("frames").size()];
        for (int i = 0; i < f.length; i++) f[i] = s.path("frames").get(i).asLong();
        return new KernelEvent.UserStack(s.path("ip").asLong(), s.path("sp").asLong(), s.path("bp").asLong(), f, s.path("error").asInt(),
                Base64.getDecoder().decode(s.path("snapshot").asText("")), s.path("shortened").asBoolean(false), s.path("di").asLong(0));
    }

    private static void namespaces(ObjectNode o, KernelEvent.Namespaces ns) {
        ArrayNode a = o.put("mnt_ns", ns.mnt()).put("pid_level", ns.level()).putArray("pid_ns");
        ns.pids().forEach(a::add);
    }

    private static KernelEvent.Namespaces namespaces(JsonNode o) {
        List<Long> pids = new java.util.ArrayList<>();
        o.path("pid_ns").forEach(n -> pids.add(n.asLong()));
        return new KernelEvent.Namespaces(o.path("mnt_ns").asLong(), o.path("pid_level").asInt(), pids);
    }

    private static KernelEvent event(String ev, JsonNode o) {
        Who w = new Who(o.path("pid").asInt(), o.path("tgid").asInt(), o.path("ppid").asInt(), o.path("uid").asInt(), o.path("ktime").asLong(),
                o.path("cgroup").asLong(), o.path("comm").asText());
        return switch (ev) {
            case "exec" -> new KernelEvent.Exec(w, o.path("file").asText(), strings(o.path("argv")), o.path("truncated").asBoolean(),
                    o.path("parent_exe").asText(""), o.path("exe").asText(""), o.path("flags").asInt(), o.path("from_slot").asInt(),
                    o.path("from_cgroup").asLong(), namespaces(o));
            case "exit" -> new KernelEvent.Exit(w, o.path("status").asInt(), o.path("lifetime").asLong());
            case "slot" -> new KernelEvent.Slot(w, o.path("slot").asInt(), o.path("reason").asInt(), o.path("file").asText(), strings(o.path("argv")),
                    o.path("truncated").asBoolean(), o.path("exe").asText(""), o.path("flags").asInt(), o.path("from_slot").asInt(),
                    o.path("from_cgroup").asLong(), namespaces(o));
            case "item" -> {
                long[] args = new long[4];
                for (int i = 0; i < 4 && i < o.path("args").size(); i++) args[i] = o.path("args").get(i).asLong();
                yield new KernelEvent.Item(w, o.path("slot").asInt(), o.path("kind").asInt(), o.path("nr").asInt(), o.path("call").asText(),
                        o.path("action").asInt(), o.path("ret").asLong(), o.path("flags").asLong(), args, o.path("family").asInt(), o.path("port").asInt(),
                        o.path("class").asInt(), Base64.getDecoder().decode(o.path("addr").asText()), o.path("hash").asLong(), o.path("path").asText(),
                        o.path("dir").asText(), o.path("real").asText(""), strings(o.path("in")), stack(o.path("stack")));
            }
            case "probe" -> {
                Map<String, Object> values = new LinkedHashMap<>();
                o.path("values").properties().forEach(e -> values.put(e.getKey(), e.getValue().isNumber() ? (Object) e.getValue().asLong() : e.getValue().asText()));
                yield new KernelEvent.Probe(w, o.path("id").asInt(), o.path("slot").asInt(), o.path("probe").asText(), o.path("phase").asText(),
                        o.path("depth").asInt(), o.has("ret") ? o.path("ret").asLong() : null, values, strings(o.path("frames")));
            }
            default -> throw new IllegalArgumentException("unknown event '" + ev + "'");
        };
    }
}
