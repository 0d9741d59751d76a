package dev.vigil.syscall;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * System-call numbers and names of one architecture, generated from the kernel UAPI
 * headers by tools/gen-syscall-tables.sh (x86_64, aarch64, and i386 for ADFA-LD).
 * Immutable and thread-safe.
 */
public final class SyscallTable {
    private static final Map<String, SyscallTable> CACHE = new ConcurrentHashMap<>();

    private final String arch;
    private final Map<Integer, String> names;
    private final Map<String, Integer> numbers;

    private SyscallTable(String arch, Map<Integer, String> names) {
        this.arch = arch;
        this.names = Collections.unmodifiableMap(names);
        Map<String, Integer> n = new HashMap<>();
        names.forEach((k, v) -> n.putIfAbsent(v, k));
        this.numbers = Collections.unmodifiableMap(n);
    }

    /** The table of an architecture: "x86_64", "aarch64" or "i386". */
    public static SyscallTable of(String arch) {
        return CACHE.computeIfAbsent(normalize(arch), SyscallTable::load);
    }

    /** The table of the machine vigil runs on. */
    public static SyscallTable host() {
        return of(hostArch());
    }

    /** "x86_64" or "aarch64" for this JVM's architecture. */
    public static String hostArch() {
        return normalize(System.getProperty("os.arch"));
    }

    static String normalize(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "i386", "x86", "i686" -> "i386";
            default -> throw new IllegalArgumentException("no syscall table for architecture " + arch);
        };
    }

    private static SyscallTable load(String arch) {
        String resource = "/dev/vigil/syscalls/" + arch + ".tsv";
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no syscall table for architecture " + arch);
            Map<Integer, String> names = new TreeMap<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                int tab = line.indexOf('\t');
                names.put(Integer.parseInt(line.substring(0, tab)), line.substring(tab + 1));
            }
            return new SyscallTable(arch, names);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String arch() { return arch; }

    /** The name of a number; "syscall_N" when the table has none. */
    public String name(int number) {
        String n = names.get(number);
        return n != null ? n : "syscall_" + number;
    }

    /** The number of a name (also accepts "syscall_N"). */
    public Optional<Integer> number(String name) {
        Integer n = numbers.get(name);
        if (n != null) return Optional.of(n);
        if (name.startsWith("syscall_")) {
            try {
                return Optional.of(Integer.parseInt(name.substring(8)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** Number to name, sorted by number. */
    public Map<Integer, String> all() { return names; }

    public int size() { return names.size(); }
}
