package dev.vigil.syscall;

import java.util.Map;
import java.util.Optional;

/**
 * Maps system-call numbers of a recorded trace's architecture (i386 for ADFA-LD) into
 * vigil's own numbering, the host table's, by name, so that a model trained on a recording
 * and one trained live mean the same thing. Calls that only differ between architectures
 * in their width or ABI variant are folded into the host call they stand for (mmap2 is
 * mmap, fstat64 is fstat, getuid32 is getuid, _llseek is lseek, ...). A call the host has
 * no equivalent of (i386's socketcall, ipc, waitpid, ...) becomes {@link #FOREIGN_BASE}
 * plus its source number, and keeps its source name. Immutable and thread-safe.
 */
public final class SyscallMapping {
    /** Tokens at or above this are calls the host architecture does not have. */
    public static final int FOREIGN_BASE = 1024;
    /** Tokens are below this. */
    public static final int TOKEN_LIMIT = 2048;

    private static final Map<String, String> FOLD = Map.ofEntries(
            Map.entry("mmap2", "mmap"), Map.entry("fstat64", "fstat"), Map.entry("stat64", "stat"),
            Map.entry("lstat64", "lstat"), Map.entry("fstatat64", "newfstatat"), Map.entry("fcntl64", "fcntl"),
            Map.entry("_llseek", "lseek"), Map.entry("_newselect", "select"), Map.entry("ugetrlimit", "getrlimit"),
            Map.entry("statfs64", "statfs"), Map.entry("fstatfs64", "fstatfs"), Map.entry("truncate64", "truncate"),
            Map.entry("ftruncate64", "ftruncate"), Map.entry("sendfile64", "sendfile"),
            Map.entry("getuid32", "getuid"), Map.entry("getgid32", "getgid"), Map.entry("geteuid32", "geteuid"),
            Map.entry("getegid32", "getegid"), Map.entry("setuid32", "setuid"), Map.entry("setgid32", "setgid"),
            Map.entry("setreuid32", "setreuid"), Map.entry("setregid32", "setregid"), Map.entry("setresuid32", "setresuid"),
            Map.entry("getresuid32", "getresuid"), Map.entry("setresgid32", "setresgid"), Map.entry("getresgid32", "getresgid"),
            Map.entry("getgroups32", "getgroups"), Map.entry("setgroups32", "setgroups"), Map.entry("chown32", "chown"),
            Map.entry("lchown32", "lchown"), Map.entry("fchown32", "fchown"), Map.entry("setfsuid32", "setfsuid"),
            Map.entry("setfsgid32", "setfsgid"), Map.entry("fadvise64_64", "fadvise64"));

    private final SyscallTable source;
    private final SyscallTable host;
    private final int[] map;

    private SyscallMapping(SyscallTable source, SyscallTable host) {
        this.source = source;
        this.host = host;
        int max = source.all().keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (FOREIGN_BASE + max >= TOKEN_LIMIT) throw new IllegalStateException("source table too large");
        map = new int[max + 1];
        for (int n = 0; n <= max; n++) {
            String name = source.all().get(n);
            Optional<Integer> h = name == null ? Optional.empty() : host.number(FOLD.getOrDefault(name, name));
            map[n] = h.orElse(FOREIGN_BASE + n);
        }
    }

    /** From the given architecture ("i386", "x86_64", "aarch64") into the host's numbering. */
    public static SyscallMapping toHost(String sourceArch) {
        return new SyscallMapping(SyscallTable.of(sourceArch), SyscallTable.host());
    }

    public SyscallTable source() { return source; }

    /** vigil's token for a source call number; throws for a number the source table does not know. */
    public int token(int sourceNumber) {
        if (sourceNumber < 0 || sourceNumber >= map.length || (map[sourceNumber] >= FOREIGN_BASE && !source.all().containsKey(sourceNumber))) {
            throw new IllegalArgumentException("no " + source.arch() + " system call numbered " + sourceNumber);
        }
        return map[sourceNumber];
    }

    /** vigil's token for a call name (host name, or a source name folded or foreign). */
    public Optional<Integer> tokenOf(String name) {
        Optional<Integer> h = host.number(FOLD.getOrDefault(name, name));
        if (h.isPresent()) return h;
        return source.number(name).map(n -> map[n]);
    }

    /** The name of a token: the host's name, or the source's for a foreign call. */
    public String name(int token) {
        return token >= FOREIGN_BASE ? source.name(token - FOREIGN_BASE) : host.name(token);
    }
}
