package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.syscall.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each of vigil's BPF programs costs, from the kernel's own statistics: run time and
 * run count per program (struct bpf_prog_info, read with BPF_OBJ_GET_INFO_BY_FD), for every
 * loaded program whose name starts with vigil_ (this process's or another's: the agent's
 * programs seen by {@code vigil cost}). The kernel counts only while statistics are enabled:
 * {@link #enable} holds them on (BPF_ENABLE_STATS) until the returned handle is closed;
 * {@code sysctl kernel.bpf_stats_enabled=1} does the same for the whole host.
 */
public final class ProgramStats {
    /** One program's totals: the kernel's ns spent in it and its runs, summed over programs of one name. */
    public record Totals(long runNs, long runs, int programs) {
        public double nsPerRun() { return runs == 0 ? 0 : (double) runNs / runs; }
    }

    // struct bpf_prog_info (include/uapi/linux/bpf.h): the members read, and its size up to attach_btf_id
    static final long INFO_SIZE = 232, NAME = 64, BTF_ID = 128, FUNC_INFO_REC_SIZE = 132, FUNC_INFO = 136, NR_FUNC_INFO = 144,
            RUN_TIME_NS = 192, RUN_CNT = 200;
    static final int BPF_STATS_RUN_TIME = 0, NAME_LEN = 16;

    private ProgramStats() {}

    /** Turns the kernel's per-program statistics on while the handle is open (their cost: two clock reads per run). */
    public static AutoCloseable enable() {
        int fd, errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            fd = (int) Libbpf.ENABLE_STATS.invokeExact(state, BPF_STATS_RUN_TIME);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (fd < 0) throw new BpfException("enable BPF statistics", errno == 0 ? -fd : errno);
        return () -> {
            try {
                int rc = (int) Libbpf.CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        };
    }

    /** Whether the kernel counts now (BPF_ENABLE_STATS held by anyone, or the sysctl). */
    public static boolean enabled() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/bpf_stats_enabled")).strip().equals("1");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The totals of these objects' loaded programs, by name: through their own descriptors, so no privilege beyond owning them. */
    public static Map<String, Totals> of(java.util.Collection<BpfObject> objects) {
        Map<String, Totals> out = new TreeMap<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a), info = a.allocate(INFO_SIZE, 8), len = a.allocate(JAVA_INT);
            for (BpfObject o : objects) {
                if (!o.isLoaded()) continue;
                for (String name : o.programNames()) {
                    int fd;
                    try {
                        fd = o.programFd(name);
                    } catch (BpfException notLoaded) { // disabled, or the kernel lacks its hook
                        continue;
                    }
                    if (info(state, fd, info, len)) add(out, name, info);
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return out;
    }

    /** Every loaded vigil_ program's totals, by its full name (any process's). Needs CAP_SYS_ADMIN (root). */
    public static Map<String, Totals> vigil() {
        Map<String, Totals> out = new TreeMap<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a), next = a.allocate(JAVA_INT), info = a.allocate(INFO_SIZE, 8), len = a.allocate(JAVA_INT);
            int id = 0;
            while (true) {
                int rc = (int) Libbpf.PROG_GET_NEXT_ID.invokeExact(state, id, next);
                if (rc != 0) {
                    int errno = Libbpf.errno(state);
                    if (errno == Errno.ENOENT || -rc == Errno.ENOENT) break;
                    throw new BpfException("list BPF programs", errno == 0 ? -rc : errno);
                }
                id = next.get(JAVA_INT, 0);
                int fd = (int) Libbpf.PROG_GET_FD_BY_ID.invokeExact(state, id);
                if (fd < 0) continue; // gone since
                try {
                    if (!info(state, fd, info, len)) continue;
                    String name = info.asSlice(NAME, NAME_LEN).getString(0);
                    if (!name.startsWith("vigil_")) continue;
                    if (name.length() == NAME_LEN - 1) name = fullName(a, state, fd, info.get(JAVA_INT, BTF_ID), name);
                    add(out, name, info);
                } finally {
                    int closed = (int) Libbpf.CLOSE.invokeExact(fd);
                }
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return out;
    }

    /** Reads a program's struct bpf_prog_info into info; false when the kernel would not say. */
    private static boolean info(MemorySegment state, int fd, MemorySegment info, MemorySegment len) throws Throwable {
        info.fill((byte) 0);
        len.set(JAVA_INT, 0, (int) INFO_SIZE);
        return (int) Libbpf.OBJ_GET_INFO_BY_FD.invokeExact(state, fd, info, len) == 0;
    }

    /** Adds a program's run time and count to its name's totals. */
    private static void add(Map<String, Totals> out, String name, MemorySegment info) {
        out.merge(name, new Totals(info.get(JAVA_LONG, RUN_TIME_NS), info.get(JAVA_LONG, RUN_CNT), 1),
                (x, y) -> new Totals(x.runNs() + y.runNs(), x.runs() + y.runs(), x.programs() + y.programs()));
    }

    /** The kernel keeps 15 characters of a program's name; its BTF keeps the whole function name (as bpftool shows it). */
    private static String fullName(Arena a, MemorySegment state, int fd, int btfId, String cut) throws Throwable {
        if (btfId == 0) return cut;
        MemorySegment info = a.allocate(INFO_SIZE, 8), len = a.allocate(JAVA_INT), rec = a.allocate(8, 4);
        info.set(JAVA_INT, NR_FUNC_INFO, 1);
        info.set(JAVA_INT, FUNC_INFO_REC_SIZE, 8); // struct bpf_func_info { insn_off; type_id; }
        info.set(JAVA_LONG, FUNC_INFO, rec.address());
        len.set(JAVA_INT, 0, (int) INFO_SIZE);
        if ((int) Libbpf.OBJ_GET_INFO_BY_FD.invokeExact(state, fd, info, len) != 0) return cut;
        MemorySegment btf = (MemorySegment) Libbpf.BTF_LOAD_FROM_KERNEL_BY_ID.invokeExact(state, btfId);
        if (btf.equals(MemorySegment.NULL)) return cut;
        try {
            MemorySegment t = (MemorySegment) Libbpf.BTF_TYPE_BY_ID.invokeExact(btf, rec.get(JAVA_INT, 4));
            if (t.equals(MemorySegment.NULL)) return cut;
            String full = Libbpf.string((MemorySegment) Libbpf.BTF_NAME_BY_OFFSET.invokeExact(btf, t.reinterpret(4).get(JAVA_INT, 0)));
            return full.startsWith(cut) ? full : cut;
        } finally {
            Libbpf.BTF_FREE.invokeExact(btf);
        }
    }
}
