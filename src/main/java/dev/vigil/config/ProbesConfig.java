package dev.vigil.config;

import dev.vigil.event.ProbeSpec;
import dev.vigil.event.ProbeSpec.Arg;
import dev.vigil.event.ProbeSpec.ArgFilter;
import dev.vigil.event.ProbeSpec.Kind;
import dev.vigil.event.ProbeSpec.Target;
import dev.vigil.event.ProbeSpec.Type;
import dev.vigil.host.Elf;
import dev.vigil.sensor.TracepointFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code probes:} list of vigil.yaml, each probe resolved against the host (its binary
 * read, its symbol or USDT probe found, its tracepoint's format read), so that a bad probe
 * is one {@code file:line: key: what} error before anything loads:
 * <pre>
 * probes:
 *   - name: pam-auth
 *     uprobe: /lib/x86_64-linux-gnu/libpam.so.0:pam_authenticate   # or BINARY:0xOFFSET (a file offset)
 *     return: true                                                  # also its uretprobe: depth, return value
 *     args: [{index: 0, type: ptr}, {index: 1, type: int, name: flags}]
 *   - name: getaddrinfo
 *     uprobe: libc.so.6:getaddrinfo                                 # a bare name: the system's library folders, then PATH
 *     args: [{index: 0, type: string, name: node}]
 *     filters: {comm: [python3], args: [{index: 0, ne: 0}]}         # in the kernel
 *   - name: py-calls
 *     usdt: /usr/bin/python3.11:python:function__entry
 *     return: /usr/bin/python3.11:python:function__return
 *     args: [{index: 0, type: string, name: file}, {index: 1, type: string, name: function}, {index: 2, type: int, name: line}]
 *     function: 1                                                   # the argument that names a frame's function
 *   - name: oom
 *     tracepoint: oom/mark_victim                                   # fields typed from its format file
 * </pre>
 * Types: int, uint (32-bit), long, ulong, ptr, string (up to 128 bytes), buffer (with
 * {@code length:} the index of the argument holding its length). Filters: pid, uid, comm,
 * cgroup, and argument values (eq, ne). events: both (default), entry, return, none.
 * profile (the agent): the arguments (or a tracepoint's fields), by name, whose values make
 * the item a workload's profile learns with the function; default: its string arguments;
 * {@code profile: []}: the function alone.
 */
public final class ProbesConfig {
    private ProbesConfig() {}

    private static final List<String> KEYS = List.of("name", "uprobe", "uretprobe", "usdt", "tracepoint", "return", "args", "function",
            "filters", "events", "profile");
    private static final List<String> ARG_KEYS = List.of("index", "type", "length", "name");

    /**
     * The {@code probes:} list of a file (a trace config or an agent's vigil.yaml: its other keys are left to their
     * commands); a file without probes is an error.
     */
    public static List<ProbeSpec> load(Path path) {
        String name = path.toString();
        String text;
        try {
            text = Files.readString(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(name, 0, "", "no such file");
        } catch (IOException e) {
            throw new ConfigException(name, 0, "", "cannot read: " + e.getMessage());
        }
        Yaml.Mapping top = Yaml.root(name, text, "probes");
        List<ProbeSpec> probes = parse(name, top.entries().get("probes"));
        if (probes.isEmpty()) throw new ConfigException(name, top.line(), "probes", "missing: a list of probes (docs/probes.md)");
        return probes;
    }

    /** The probes of a {@code probes:} node (null or empty: none). */
    public static List<ProbeSpec> parse(String file, Yaml.Node n) {
        if (n == null || n instanceof Yaml.Scalar sc && sc.text().isEmpty()) return List.of();
        if (!(n instanceof Yaml.Seq seq)) throw new ConfigException(file, n.line(), "probes", "expected a list of probes");
        if (seq.items().size() > ProbeSpec.MAX_PROBES) {
            throw new ConfigException(file, seq.line(), "probes", seq.items().size() + " probes; at most " + ProbeSpec.MAX_PROBES);
        }
        List<ProbeSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < seq.items().size(); i++) {
            ProbeSpec p = probe(file, "probes[" + i + "]", seq.items().get(i), i);
            if (!names.add(p.name())) throw new ConfigException(file, seq.items().get(i).line(), "probes[" + i + "].name", "'" + p.name() + "' named twice");
            out.add(p);
        }
        return List.copyOf(out);
    }

    private static ProbeSpec probe(String file, String key, Yaml.Node n, int i) {
        if (!(n instanceof Yaml.Mapping m)) throw new ConfigException(file, n.line(), key, "expected a mapping (name, uprobe|uretprobe|usdt|tracepoint, args, ...)");
        for (String k : m.entries().keySet()) {
            if (!KEYS.contains(k)) throw new ConfigException(file, m.keyLines().get(k), key + "." + k, "unknown key (" + String.join(", ", KEYS) + ")");
        }
        List<String> places = m.entries().keySet().stream().filter(k -> List.of("uprobe", "uretprobe", "usdt", "tracepoint").contains(k)).toList();
        if (places.isEmpty()) throw new ConfigException(file, m.line(), key, "needs one of uprobe, uretprobe, usdt, tracepoint");
        if (places.size() > 1) throw new ConfigException(file, m.keyLines().get(places.get(1)), key + "." + places.get(1), "a probe has one of uprobe, uretprobe, usdt, tracepoint (also " + places.get(0) + ")");
        String place = places.getFirst(), pkey = key + "." + place;
        int pline = m.keyLines().get(place);
        String name = m.entries().containsKey("name") ? Yaml.scalar(file, key + ".name", m.entries().get("name")) : "probe" + i;
        if (!name.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new ConfigException(file, m.keyLines().getOrDefault("name", m.line()), key + ".name", "'" + name + "' is not a probe name (1 to 64 letters, digits, _ . : -)");
        }
        String spec = Yaml.scalar(file, pkey, m.entries().get(place));
        Target entry = null, ret = null;
        int usdtArgs = -1;
        switch (place) {
            case "uprobe", "uretprobe" -> {
                Target t = uprobe(file, pline, pkey, spec, place.equals("uprobe") ? Kind.UPROBE : Kind.URETPROBE);
                if (place.equals("uprobe")) entry = t;
                else ret = t;
            }
            case "usdt" -> {
                entry = usdt(file, pline, pkey, spec, null);
                usdtArgs = usdtArgCount(file, pline, pkey, entry);
            }
            default -> entry = tracepoint(file, pline, pkey, spec);
        }
        if (m.entries().containsKey("return")) {
            String rkey = key + ".return", r = Yaml.scalar(file, rkey, m.entries().get("return"));
            int rline = m.keyLines().get("return");
            switch (place) {
                case "uprobe" -> {
                    if (!r.equals("true") && !r.equals("false")) throw new ConfigException(file, rline, rkey, "expected true or false for a uprobe (its uretprobe)");
                    if (r.equals("true")) ret = new Target(Kind.URETPROBE, entry.binary(), entry.offset(), entry.symbol(), "", "");
                }
                case "usdt" -> ret = usdt(file, rline, rkey, r, entry.binary());
                default -> throw new ConfigException(file, rline, rkey, "only a uprobe or a usdt probe has a return");
            }
        }
        List<Arg> args = args(file, key + ".args", m, place, usdtArgs);
        int function = -1;
        if (m.entries().containsKey("function")) {
            String fkey = key + ".function";
            int fline = m.keyLines().get("function");
            long idx = Yaml.number(file, fline, fkey, Yaml.scalar(file, fkey, m.entries().get("function")), 0, 11, "an argument index");
            function = slot(args, (int) idx);
            if (function < 0 || args.get(function).type() != Type.STRING) {
                throw new ConfigException(file, fline, fkey, "argument " + idx + " is not captured as a string (args: {index: " + idx + ", type: string})");
            }
            if (ret == null || entry == null) throw new ConfigException(file, fline, fkey, "only an entry/return pair has frames to name (add return:)");
        }
        boolean emitEntry = true, emitReturn = true;
        if (m.entries().containsKey("events")) {
            String ekey = key + ".events", e = Yaml.scalar(file, ekey, m.entries().get("events"));
            switch (e) {
                case "both" -> { }
                case "entry" -> emitReturn = false;
                case "return" -> emitEntry = false;
                case "none" -> emitEntry = emitReturn = false;
                default -> throw new ConfigException(file, m.keyLines().get("events"), ekey, "'" + e + "' is not both, entry, return or none");
            }
        }
        Filters f = filters(file, key + ".filters", m.entries().get("filters"), args);
        List<String> profile = profile(file, key + ".profile", m, args, entry != null && entry.kind() == Kind.TRACEPOINT ? entry : null);
        return new ProbeSpec(name, entry, ret, args, f.pids, f.uids, f.comms, f.cgroups, f.argFilters, function, emitEntry, emitReturn, profile,
                file + ":" + m.line() + ": " + key);
    }

    /** The profile: list, each name an argument (or a tracepoint's field); null when not given. */
    private static List<String> profile(String file, String key, Yaml.Mapping m, List<Arg> args, Target tracepoint) {
        Yaml.Node n = m.entries().get("profile");
        if (n == null) return null;
        int line = m.keyLines().get("profile");
        List<Yaml.Node> items = n instanceof Yaml.Seq q ? q.items() : n instanceof Yaml.Scalar sc && sc.text().isEmpty() ? List.of() : List.of(n);
        List<String> known = new ArrayList<>();
        if (tracepoint != null) {
            try {
                TracepointFormat.read(tracepoint.provider(), tracepoint.name()).fields().forEach(fd -> known.add(fd.name()));
            } catch (IOException e) {
                throw new ConfigException(file, line, key, e.getMessage());
            }
        } else {
            args.forEach(a -> known.add(a.name()));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String v = Yaml.scalar(file, key + "[" + i + "]", items.get(i));
            if (!known.contains(v)) {
                throw new ConfigException(file, items.get(i).line(), key + "[" + i + "]", "'" + v + "' is not " + (tracepoint != null ? "a field of the tracepoint" : "a captured argument")
                        + " (" + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
            }
            if (out.contains(v)) throw new ConfigException(file, items.get(i).line(), key + "[" + i + "]", "'" + v + "' twice");
            out.add(v);
        }
        return List.copyOf(out);
    }

    /** The probes as plain maps and lists, written out so that they parse back to the same probes (vigil agent --print-config). */
    public static List<Map<String, Object>> write(List<ProbeSpec> probes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProbeSpec p : probes) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("name", p.name());
            Target e = p.entry(), r = p.ret();
            if (e == null) m.put("uretprobe", r.describe());
            else {
                m.put(switch (e.kind()) {
                    case UPROBE, URETPROBE -> "uprobe";
                    case USDT -> "usdt";
                    case TRACEPOINT -> "tracepoint";
                }, e.describe());
                if (r != null) m.put("return", r.kind() == Kind.URETPROBE ? "true" : r.describe());
            }
            if (!p.args().isEmpty()) {
                List<Map<String, Object>> as = new ArrayList<>();
                for (Arg a : p.args()) {
                    Map<String, Object> x = new java.util.LinkedHashMap<>();
                    x.put("index", a.index());
                    x.put("type", a.type().word());
                    if (a.lengthArg() >= 0) x.put("length", p.args().get(a.lengthArg()).index());
                    x.put("name", a.name());
                    as.add(x);
                }
                m.put("args", as);
            }
            if (p.functionArg() >= 0) m.put("function", p.args().get(p.functionArg()).index());
            Map<String, Object> f = new java.util.LinkedHashMap<>();
            if (!p.pids().isEmpty()) f.put("pid", p.pids().stream().sorted().toList());
            if (!p.uids().isEmpty()) f.put("uid", p.uids().stream().sorted().toList());
            if (!p.comms().isEmpty()) f.put("comm", p.comms().stream().sorted().toList());
            if (!p.cgroups().isEmpty()) f.put("cgroup", p.cgroups().stream().sorted().toList());
            if (!p.argFilters().isEmpty()) {
                List<Map<String, Object>> af = new ArrayList<>();
                for (ArgFilter a : p.argFilters()) af.add(Map.of("index", p.args().get(a.slot()).index(), a.equal() ? "eq" : "ne", a.value()));
                f.put("args", af);
            }
            if (!f.isEmpty()) m.put("filters", f);
            String events = p.emitEntry() && p.emitReturn() ? "both" : p.emitEntry() ? "entry" : p.emitReturn() ? "return" : "none";
            if (!events.equals("both")) m.put("events", events);
            if (p.profile() != null) m.put("profile", p.profile());
            out.add(m);
        }
        return out;
    }

    /** BINARY:SYMBOL or BINARY:0xOFFSET. */
    private static Target uprobe(String file, int line, String key, String spec, Kind kind) {
        int c = spec.lastIndexOf(':');
        if (c <= 0 || c == spec.length() - 1) throw new ConfigException(file, line, key, "'" + spec + "' is not BINARY:FUNCTION or BINARY:0xOFFSET");
        String bin = spec.substring(0, c), fn = spec.substring(c + 1);
        Elf elf = elf(file, line, key, bin);
        String path = elf.path().toString();
        if (fn.matches("0x[0-9a-fA-F]+")) {
            long off = Long.parseUnsignedLong(fn.substring(2), 16);
            return new Target(kind, path, off, "", "", "");
        }
        Elf.Symbol s = elf.function(fn).orElseThrow(() -> new ConfigException(file, line, key, "no function " + fn + " in " + path
                + " (vigil trace --list-symbols " + path + ")"));
        return new Target(kind, path, s.fileOffset(), fn, "", "");
    }

    /** BINARY:PROVIDER:NAME, or PROVIDER:NAME in binary (a return of the same binary). */
    private static Target usdt(String file, int line, String key, String spec, String binary) {
        String[] parts = spec.split(":");
        String bin, provider, name;
        if (parts.length >= 3) {
            bin = String.join(":", java.util.Arrays.copyOf(parts, parts.length - 2));
            provider = parts[parts.length - 2];
            name = parts[parts.length - 1];
        } else if (parts.length == 2 && binary != null) {
            bin = binary;
            provider = parts[0];
            name = parts[1];
        } else {
            throw new ConfigException(file, line, key, "'" + spec + "' is not BINARY:PROVIDER:NAME");
        }
        Elf elf = elf(file, line, key, bin);
        if (elf.usdt(provider, name).isEmpty()) {
            throw new ConfigException(file, line, key, "no USDT probe " + provider + ":" + name + " in " + elf.path()
                    + (elf.usdt().isEmpty() ? " (it has none)" : " (vigil trace --list-usdt " + elf.path() + ")"));
        }
        return new Target(Kind.USDT, elf.path().toString(), 0, "", provider, name);
    }

    private static int usdtArgCount(String file, int line, String key, Target t) {
        try {
            return Elf.read(Path.of(t.binary())).usdt(t.provider(), t.name()).getFirst().argSpecs().size();
        } catch (IOException e) {
            throw new ConfigException(file, line, key, e.getMessage());
        }
    }

    private static Target tracepoint(String file, int line, String key, String spec) {
        String[] parts = spec.split("[/:]");
        if (parts.length != 2) throw new ConfigException(file, line, key, "'" + spec + "' is not CATEGORY/NAME (e.g. sched/sched_process_exec)");
        try {
            TracepointFormat.read(parts[0], parts[1]);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(file, line, key, e.getMessage());
        }
        return new Target(Kind.TRACEPOINT, "", 0, "", parts[0], parts[1]);
    }

    /** An ELF binary by path or bare name (the library folders, then PATH), with symlinks resolved. */
    static Elf elf(String file, int line, String key, String bin) {
        Path p = find(bin);
        if (p == null) throw new ConfigException(file, line, key, "no such binary " + bin);
        try {
            return Elf.read(p.toRealPath());
        } catch (IOException e) {
            throw new ConfigException(file, line, key, e.getMessage());
        }
    }

    /** A binary's path: as given when it has a slash, else found in the library folders or PATH; null when not found. */
    public static Path find(String bin) { return dev.vigil.host.Binaries.find(bin); }

    private static List<Arg> args(String file, String key, Yaml.Mapping m, String place, int usdtArgs) {
        Yaml.Node n = m.entries().get("args");
        if (n == null) return List.of();
        int line = m.keyLines().get("args");
        if (place.equals("tracepoint")) throw new ConfigException(file, line, key, "a tracepoint's fields come from its format file: no args");
        if (place.equals("uretprobe")) throw new ConfigException(file, line, key, "a uretprobe has only its return value: no args");
        if (!(n instanceof Yaml.Seq s)) throw new ConfigException(file, line, key, "expected a list of {index, type}");
        if (s.items().size() > ProbeSpec.MAX_ARGS) throw new ConfigException(file, s.line(), key, s.items().size() + " arguments; at most " + ProbeSpec.MAX_ARGS);
        int maxIndex = place.equals("usdt") ? usdtArgs - 1 : ProbeSpec.MAX_ARGS - 1;
        List<int[]> lengths = new ArrayList<>();
        List<Arg> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        int strings = 0;
        for (int i = 0; i < s.items().size(); i++) {
            String akey = key + "[" + i + "]";
            if (!(s.items().get(i) instanceof Yaml.Mapping a)) throw new ConfigException(file, s.items().get(i).line(), akey, "expected {index: N, type: T}");
            for (String k : a.entries().keySet()) {
                if (!ARG_KEYS.contains(k)) throw new ConfigException(file, a.keyLines().get(k), akey + "." + k, "unknown key (" + String.join(", ", ARG_KEYS) + ")");
            }
            if (!a.entries().containsKey("index")) throw new ConfigException(file, a.line(), akey, "needs index (the argument's position, from 0)");
            if (!a.entries().containsKey("type")) throw new ConfigException(file, a.line(), akey, "needs type (int, uint, long, ulong, ptr, string, buffer)");
            int aline = a.keyLines().get("index");
            String itext = Yaml.scalar(file, akey + ".index", a.entries().get("index"));
            int index = (int) Yaml.number(file, aline, akey + ".index", itext, 0, 11, "an argument index");
            if (index > maxIndex) {
                throw new ConfigException(file, aline, akey + ".index", place.equals("usdt")
                        ? "the USDT probe has " + usdtArgs + " argument" + (usdtArgs == 1 ? "" : "s") + " (index 0 to " + (usdtArgs - 1) + ")"
                        : "a uprobe captures the first " + ProbeSpec.MAX_ARGS + " arguments (index 0 to 5)");
            }
            String t = Yaml.scalar(file, akey + ".type", a.entries().get("type"));
            Type type;
            try {
                type = Type.valueOf(t.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file, a.keyLines().get("type"), akey + ".type", "'" + t + "' is not int, uint, long, ulong, ptr, string or buffer");
            }
            if (type.text() && ++strings > ProbeSpec.MAX_STRINGS) {
                throw new ConfigException(file, a.keyLines().get("type"), akey + ".type", "at most " + ProbeSpec.MAX_STRINGS + " string or buffer arguments");
            }
            if (type == Type.BUFFER) {
                if (!a.entries().containsKey("length")) throw new ConfigException(file, a.line(), akey, "a buffer needs length (the index of the argument holding its length)");
                int lline = a.keyLines().get("length");
                lengths.add(new int[] {i, (int) Yaml.number(file, lline, akey + ".length", Yaml.scalar(file, akey + ".length", a.entries().get("length")), 0, 11, "an argument index"), lline});
            } else if (a.entries().containsKey("length")) {
                throw new ConfigException(file, a.keyLines().get("length"), akey + ".length", "only a buffer has a length");
            }
            String name = a.entries().containsKey("name") ? Yaml.scalar(file, akey + ".name", a.entries().get("name")) : "arg" + index;
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,31}")) throw new ConfigException(file, a.keyLines().getOrDefault("name", a.line()), akey + ".name", "'" + name + "' is not an argument name");
            if (!names.add(name)) throw new ConfigException(file, a.line(), akey, "argument '" + name + "' twice");
            out.add(new Arg(index, type, -1, name));
        }
        for (int[] l : lengths) {
            int slot = slot(out, l[1]);
            if (slot < 0 || out.get(slot).type().text()) {
                throw new ConfigException(file, l[2], key + "[" + l[0] + "].length", "argument " + l[1] + " is not captured as a number");
            }
            Arg b = out.get(l[0]);
            out.set(l[0], new Arg(b.index(), b.type(), slot, b.name()));
        }
        return List.copyOf(out);
    }

    private static int slot(List<Arg> args, int index) {
        for (int i = 0; i < args.size(); i++) if (args.get(i).index() == index) return i;
        return -1;
    }

    private record Filters(Set<Integer> pids, Set<Integer> uids, Set<String> comms, Set<Long> cgroups, List<ArgFilter> argFilters) {}

    private static Filters filters(String file, String key, Yaml.Node n, List<Arg> args) {
        Set<Integer> pids = new HashSet<>(), uids = new HashSet<>();
        Set<String> comms = new HashSet<>();
        Set<Long> cgroups = new HashSet<>();
        List<ArgFilter> af = new ArrayList<>();
        if (n == null || n instanceof Yaml.Scalar sc && sc.text().isEmpty()) return new Filters(pids, uids, comms, cgroups, af);
        if (!(n instanceof Yaml.Mapping m)) throw new ConfigException(file, n.line(), key, "expected a mapping (pid, uid, comm, cgroup, args)");
        Map<String, Yaml.Node> rest = new java.util.LinkedHashMap<>(m.entries());
        Yaml.Node argsNode = rest.remove("args");
        if (!rest.isEmpty()) {
            Map<String, Integer> lines = new java.util.LinkedHashMap<>(m.keyLines());
            lines.remove("args");
            var s = TraceConfig.filters(file.isEmpty() ? file : file, new Yaml.Mapping(rest, lines, m.line()), key);
            pids.addAll(s.pids());
            uids.addAll(s.uids());
            comms.addAll(s.comms());
            cgroups.addAll(s.cgroups());
        }
        if (argsNode != null) {
            String akey = key + ".args";
            List<Yaml.Node> items = argsNode instanceof Yaml.Seq q ? q.items() : List.of(argsNode);
            if (items.size() > ProbeSpec.MAX_ARG_FILTERS) throw new ConfigException(file, argsNode.line(), akey, "at most " + ProbeSpec.MAX_ARG_FILTERS + " argument filters");
            for (int i = 0; i < items.size(); i++) {
                String fkey = akey + "[" + i + "]";
                if (!(items.get(i) instanceof Yaml.Mapping f)) throw new ConfigException(file, items.get(i).line(), fkey, "expected {index: N, eq: V} or {index: N, ne: V}");
                for (String k : f.entries().keySet()) {
                    if (!List.of("index", "eq", "ne").contains(k)) throw new ConfigException(file, f.keyLines().get(k), fkey + "." + k, "unknown key (index, eq, ne)");
                }
                if (!f.entries().containsKey("index") || f.entries().containsKey("eq") == f.entries().containsKey("ne")) {
                    throw new ConfigException(file, f.line(), fkey, "expected {index: N, eq: V} or {index: N, ne: V}");
                }
                int idx = (int) Yaml.number(file, f.keyLines().get("index"), fkey + ".index", Yaml.scalar(file, fkey + ".index", f.entries().get("index")), 0, 11, "an argument index");
                int slot = slot(args, idx);
                if (slot < 0 || args.get(slot).type().text()) {
                    throw new ConfigException(file, f.keyLines().get("index"), fkey + ".index", "argument " + idx + " is not captured as a number (filters compare numbers)");
                }
                boolean eq = f.entries().containsKey("eq");
                String op = eq ? "eq" : "ne", v = Yaml.scalar(file, fkey + "." + op, f.entries().get(op));
                long value;
                try {
                    value = v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new ConfigException(file, f.keyLines().get(op), fkey + "." + op, "'" + v + "' is not a whole number");
                }
                Type t = args.get(slot).type();
                if (t == Type.INT) value = (int) value;
                else if (t == Type.UINT) value = value & 0xffffffffL;
                af.add(new ArgFilter(slot, eq, value));
            }
        }
        return new Filters(pids, uids, comms, cgroups, af);
    }
}
