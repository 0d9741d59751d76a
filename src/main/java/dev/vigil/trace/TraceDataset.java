package dev.vigil.trace;

import dev.vigil.syscall.SyscallMapping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A labelled set of traces for offline evaluation: normal traces to train on, normal traces
 * to score, and attack traces by kind. Read from ADFA-LD (its zip or unpacked folder) or
 * from a user's folders. Traces are sorted by id, so a dataset reads the same every time.
 * Immutable once read.
 */
public record TraceDataset(String name, List<Trace> train, List<Trace> normal, List<Trace> attack) {
    private static final Pattern ADFA_ATTACK = Pattern.compile("Attack_Data_Master/([A-Za-z_]+?)_\\d+/[^/]+\\.txt$");

    /** Attack counts by kind, sorted by kind. */
    public Map<String, Integer> attackKinds() {
        Map<String, Integer> m = new TreeMap<>();
        for (Trace t : attack) m.merge(t.kind(), 1, Integer::sum);
        return m;
    }

    public static long calls(List<Trace> traces) {
        return traces.stream().mapToLong(Trace::length).sum();
    }

    /**
     * ADFA-LD from its zip or from a folder it was unpacked into (holding ADFA-LD/ or the
     * three *_Master folders). Numbers are i386 and are mapped into vigil's numbering.
     */
    public static TraceDataset adfaLd(Path path) throws IOException {
        if (!Files.exists(path)) throw new TraceFormat.FormatException(path + ": no such file or folder");
        SyscallMapping m = SyscallMapping.toHost("i386");
        List<Trace> train = new ArrayList<>(), normal = new ArrayList<>(), attack = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String rel = path.relativize(f).toString().replace('\\', '/');
                    addAdfa(rel, Files.readString(f, StandardCharsets.ISO_8859_1), m, train, normal, attack);
                }
            }
        } else {
            try (ZipFile zip = new ZipFile(path.toFile())) {
                for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                    ZipEntry z = e.nextElement();
                    if (z.isDirectory()) continue;
                    String text = new String(zip.getInputStream(z).readAllBytes(), StandardCharsets.ISO_8859_1);
                    addAdfa(z.getName(), text, m, train, normal, attack);
                }
            } catch (java.util.zip.ZipException e) {
                throw new TraceFormat.FormatException(path + ": not a zip file or folder (" + e.getMessage() + ")");
            }
        }
        if (train.isEmpty() || normal.isEmpty() || attack.isEmpty()) {
            throw new TraceFormat.FormatException(path + ": not ADFA-LD (found " + train.size() + " training, "
                    + normal.size() + " validation and " + attack.size() + " attack traces)");
        }
        return new TraceDataset("ADFA-LD", sorted(train), sorted(normal), sorted(attack));
    }

    private static void addAdfa(String name, String text, SyscallMapping m, List<Trace> train, List<Trace> normal, List<Trace> attack) {
        if (!name.endsWith(".txt")) return;
        String base = name.substring(name.lastIndexOf('/') + 1);
        if (name.contains("Training_Data_Master/")) {
            train.add(new Trace(base, Trace.TRAIN, Trace.TRAIN, TraceFormat.parse(text, m, name)));
        } else if (name.contains("Validation_Data_Master/")) {
            normal.add(new Trace(base, Trace.NORMAL, Trace.NORMAL, TraceFormat.parse(text, m, name)));
        } else {
            Matcher a = ADFA_ATTACK.matcher(name);
            if (a.find()) {
                String id = name.substring(name.indexOf("Attack_Data_Master/") + "Attack_Data_Master/".length());
                attack.add(new Trace(id, Trace.ATTACK, a.group(1), TraceFormat.parse(text, m, name)));
            }
        }
    }

    /**
     * A user's own labelled recordings: DIR/train/ holds normal traces to train on,
     * DIR/normal/ normal traces to score, and every other folder anomalous traces of the
     * kind it is named after. Each file is one trace in {@link TraceFormat}, numbers in
     * the given architecture.
     */
    public static TraceDataset folders(Path dir, String arch) throws IOException {
        if (!Files.isDirectory(dir)) throw new TraceFormat.FormatException(dir + ": not a folder");
        SyscallMapping m = SyscallMapping.toHost(arch);
        List<Trace> train = new ArrayList<>(), normal = new ArrayList<>(), attack = new ArrayList<>();
        try (Stream<Path> labels = Files.list(dir)) {
            for (Path label : (Iterable<Path>) labels.filter(Files::isDirectory).sorted()::iterator) {
                String l = label.getFileName().toString();
                try (Stream<Path> files = Files.walk(label)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                        String id = dir.relativize(f).toString();
                        int[] calls = TraceFormat.parse(Files.readString(f, StandardCharsets.UTF_8), m, f.toString());
                        switch (l) {
                            case "train" -> train.add(new Trace(id, Trace.TRAIN, Trace.TRAIN, calls));
                            case "normal" -> normal.add(new Trace(id, Trace.NORMAL, Trace.NORMAL, calls));
                            default -> attack.add(new Trace(id, Trace.ATTACK, l, calls));
                        }
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (train.isEmpty()) throw new TraceFormat.FormatException(dir + ": no traces in " + dir.resolve("train"));
        if (normal.isEmpty()) throw new TraceFormat.FormatException(dir + ": no traces in " + dir.resolve("normal"));
        if (attack.isEmpty()) throw new TraceFormat.FormatException(dir + ": no anomalous traces (a folder other than train/ and normal/)");
        return new TraceDataset(dir.getFileName().toString(), sorted(train), sorted(normal), sorted(attack));
    }

    /**
     * Every trace file under dir (recursively, in path order), numbers in the given
     * architecture; the trace ids are the paths relative to dir. Used to fit a detector
     * on a folder of recordings.
     */
    public static List<Trace> readFolder(Path dir, String arch) throws IOException {
        if (!Files.isDirectory(dir)) throw new TraceFormat.FormatException(dir + ": not a folder");
        SyscallMapping m = SyscallMapping.toHost(arch);
        List<Trace> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                out.add(new Trace(dir.relativize(f).toString(), Trace.TRAIN, Trace.TRAIN,
                        TraceFormat.parse(Files.readString(f, StandardCharsets.UTF_8), m, f.toString())));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private static List<Trace> sorted(List<Trace> l) {
        l.sort(Comparator.comparing(Trace::id));
        return List.copyOf(l);
    }

    /** At most n traces of each split and attack kind, chosen with the seed, in id order. */
    public TraceDataset sample(int n, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        List<Trace> picked = new ArrayList<>();
        for (String kind : attackKinds().keySet()) {
            picked.addAll(pick(attack().stream().filter(t -> t.kind().equals(kind)).toList(), n, rnd));
        }
        return new TraceDataset(name() + " (sample of " + n + " per split)", pick(train(), n, rnd), pick(normal(), n, rnd), picked);
    }

    private static List<Trace> pick(List<Trace> l, int n, java.util.Random rnd) {
        List<Trace> c = new ArrayList<>(l);
        java.util.Collections.shuffle(c, rnd);
        List<Trace> p = new ArrayList<>(c.subList(0, Math.min(n, c.size())));
        p.sort(java.util.Comparator.comparing(Trace::id));
        return List.copyOf(p);
    }
}
