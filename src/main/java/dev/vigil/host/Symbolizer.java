package dev.vigil.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbolizes user stacks: each address through the process's mappings (read when asked,
 * kept a moment per process and kept after it is gone) to the file and offset whose code
 * it is, and through that file's ELF symbols (.symtab, else .dynsym) to a function. Code
 * from no file on disk is named by its region. The frame-pointer walk of code built without
 * frame pointers goes astray after a frame or two: the stack ends at the first address that
 * is not in executable memory. A JIT's code in anonymous memory is named by the process's
 * perf map ({@link PerfMap}): CPython's Python functions under {@code -X perf}. ELF files are cached by device and inode, bounded. Confined
 * to one thread.
 */
public final class Symbolizer {
    private static final int MAPS_MAX = 1024, ELF_MAX = 128;
    private static final long MAPS_FRESH_NS = 250_000_000L;

    private record Snapshot(ProcessMaps maps, long readAt) {}

    private final Map<Integer, Snapshot> maps = lru(MAPS_MAX);
    private final Map<String, Object> elves = lru(ELF_MAX); // Elf, or the IOException text of a file that cannot be read
    private long elfReads;

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> e) { return size() > max; }
        };
    }

    /** Reads the mappings of a process now (at its first sight: it may be gone by the alert). */
    public void remember(int pid) { snapshot(pid, true); }

    private final Map<Integer, ProcessMaps> kernel = lru(MAPS_MAX);
    /** The path of each file (device:inode) seen mapped or read, to name a file the kernel sent by its last component. */
    private final Map<String, String> paths = lru(8192);
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib", "/usr/bin", "/usr/sbin", "/bin", "/sbin",
            "/usr/local/bin", "/usr/local/sbin", "/usr/libexec", "/usr/lib/openssh");

    /**
     * The executable mappings the kernel sent for a process before its first stack: used before /proc/PID/maps, which
     * is gone with a short-lived process and is another program's after an exec. Each file, sent by its last component,
     * is found by device and inode: among the files seen so far, in /proc/PID/map_files while the process lives, at
     * the hints (the program's path) and in the usual library and program directories; a file not found keeps its name.
     */
    public void remember(int pid, ProcessMaps fromKernel, List<String> hints) {
        List<ProcessMaps.Mapping> out = new ArrayList<>(fromKernel.mappings().size());
        for (ProcessMaps.Mapping mp : fromKernel.mappings()) {
            String path = mp.path();
            if (mp.fileBacked() && !path.startsWith("/")) path = locate(pid, mp, hints).orElse(path);
            out.add(new ProcessMaps.Mapping(mp.start(), mp.end(), mp.perms(), mp.offset(), mp.dev(), mp.inode(), path));
        }
        kernel.put(pid, new ProcessMaps(pid, out));
    }

    private java.util.Optional<String> locate(int pid, ProcessMaps.Mapping mp, List<String> hints) {
        String key = mp.dev() + ":" + mp.inode(), known = paths.get(key);
        List<Path> candidates = new ArrayList<>();
        if (known != null) candidates.add(Path.of(known)); // (a path another mount namespace gave is checked like the rest)
        candidates.add(Path.of("/proc", Integer.toString(pid), "map_files", Long.toHexString(mp.start()) + "-" + Long.toHexString(mp.end())));
        for (String h : hints) if (h.startsWith("/") && Path.of(h).getFileName() != null && Path.of(h).getFileName().toString().equals(mp.path())) candidates.add(Path.of(h));
        for (String d : LIBRARY_DIRS) candidates.add(Path.of(d, mp.path()));
        for (Path c : candidates) {
            try {
                if (!key.equals(fileKey(c))) continue;
                String real = c.toRealPath().toString();
                paths.put(key, real);
                return java.util.Optional.of(real);
            } catch (IOException | RuntimeException e) {
                // not this one
            }
        }
        return java.util.Optional.empty();
    }

    /** "fd:01:1234", a file's device (major:minor, as /proc/PID/maps writes it) and inode. */
    static String fileKey(Path p) throws IOException {
        long dev = ((Number) Files.getAttribute(p, "unix:dev")).longValue(), ino = ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL), minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return String.format("%02x:%02x:%d", major, minor, ino);
    }

    /** The frames of a stack of process pid, innermost first (addresses[0] the instruction pointer, the rest return addresses). */
    public List<StackFrame> frames(int pid, long[] addresses) { return frames(pid, -1, addresses); }

    /**
     * The same, and when pid is gone before its mappings were read, through those of parent: a process forked
     * without an exec has its parent's (postgres's backends, a server's workers). parent -1: none to fall back on.
     */
    public List<StackFrame> frames(int pid, int parent, long[] addresses) {
        List<StackFrame> out = new ArrayList<>(addresses.length);
        ProcessMaps m = maps(pid, parent);
        for (int i = 0; i < addresses.length; i++) {
            long a = addresses[i];
            if (a == 0) break;
            long at = i == 0 ? a : a - 1; // a return address follows its call: the call is what ran
            var mapping = m == null ? java.util.Optional.<ProcessMaps.Mapping>empty() : m.find(at);
            if (mapping.isEmpty() && m != null && Procfs.alive(pid)) { // mapped since the snapshot (a dlopen, a JIT)
                m = snapshot(pid, true);
                mapping = m == null ? java.util.Optional.empty() : m.find(at);
            }
            if (mapping.isEmpty()) {
                if (i == 0) out.add(new StackFrame(a, "", 0, "", "", 0, m == null ? "gone" : "unmapped")); // gone: exited before its mappings were read
                break;
            }
            ProcessMaps.Mapping mp = mapping.get();
            if (!mp.executable()) break; // a frame-pointer walk through code without them: not a return address
            if (mp.special()) { // the kernel's code: named; past a uretprobe's trampoline the caller is not known here
                out.add(new StackFrame(a, mp.path(), 0, "", "", 0, ""));
                break;
            }
            String nowhere = mp.nowhere();
            if (nowhere.startsWith("anonymous")) { // a JIT's code, if its perf map names it
                var jit = jit(pid, at);
                if (jit.isPresent()) {
                    List<String> fn = PerfMap.function(jit.get().name());
                    out.add(new StackFrame(a, "", 0, "", fn.get(0), a - jit.get().start(), StackFrame.JIT, fn.get(1), 0));
                    continue;
                }
            }
            if (!nowhere.isEmpty() && !nowhere.startsWith("writable ")) {
                out.add(new StackFrame(a, "", 0, "", "", 0, nowhere));
                continue;
            }
            long fileOffset = at - mp.start() + mp.offset();
            Elf elf = elf(pid, mp);
            String sym = "", source = "";
            long symOff = 0;
            int line = 0;
            if (elf != null) {
                long vaddr = elf.addressOf(fileOffset);
                var f = vaddr < 0 ? java.util.Optional.<Map.Entry<Elf.Symbol, Long>>empty() : elf.functionAt(vaddr);
                if (f.isPresent()) {
                    sym = f.get().getKey().name().replaceFirst("@.*", ""); // posix_spawn@@GLIBC_2.15: the function, not its version
                    symOff = f.get().getValue() + (i == 0 ? 0 : 1);
                }
                var src = vaddr < 0 ? java.util.Optional.<DwarfLines.Line>empty() : elf.sourceAt(vaddr); // the call's own line
                if (src.isPresent()) {
                    source = src.get().file();
                    line = src.get().line();
                }
            }
            out.add(new StackFrame(a, mp.path(), fileOffset + (i == 0 ? 0 : 1), elf == null ? "" : elf.buildId(), sym, symOff, nowhere, source, line));
        }
        return out;
    }

    /**
     * The return addresses of a stack, innermost first (the instruction pointer first): unwound by each frame's
     * .eh_frame rule from the copy of the stack taken with it, falling back to the frame pointer where a file has no
     * rule; the kernel's own frame-pointer walk when that goes deeper (code built with frame pointers and a short copy).
     */
    public long[] unwind(int pid, dev.vigil.event.KernelEvent.UserStack st) { return unwind(pid, -1, st); }

    /** {@link #unwind(int, dev.vigil.event.KernelEvent.UserStack)}, through the parent's mappings when pid is gone (see {@link #frames(int, int, long[])}). */
    public long[] unwind(int pid, int parent, dev.vigil.event.KernelEvent.UserStack st) {
        long[] kernel = st.frames();
        if (st.ip() == 0 || st.snapshot().length == 0) return kernel;
        java.nio.ByteBuffer snap = java.nio.ByteBuffer.wrap(st.snapshot()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long base = st.sp(), limit = base + st.snapshot().length;
        List<Long> out = new ArrayList<>();
        long ip = st.ip(), sp = st.sp(), bp = st.bp();
        ProcessMaps m = maps(pid, parent);
        for (int i = 0; i < 64 && ip != 0; i++) {
            out.add(ip);
            long at = i == 0 ? ip : ip - 1;
            var mapping = m == null ? java.util.Optional.<ProcessMaps.Mapping>empty() : m.find(at);
            if (mapping.isEmpty() || !mapping.get().executable() || mapping.get().special()) break;
            // code no file holds (a JIT's, CPython's perf trampolines) has no unwind rule: its frame pointer, if any
            Elf elf = mapping.get().fileBacked() ? elf(pid, mapping.get()) : null;
            EhFrame eh = elf == null ? null : elf.ehFrame();
            long vaddr = elf == null ? -1 : elf.addressOf(at - mapping.get().start() + mapping.get().offset());
            var rule = eh == null || vaddr < 0 ? java.util.Optional.<EhFrame.Rule>empty() : eh.ruleAt(vaddr);
            long cfa, ra, nbp = bp;
            var stub = elf != null || i == 0 ? java.util.Optional.<Prologue.Rule>empty() : jitRule(pid, at, ip);
            boolean popped = i == 0 && st.di() != 0 && elf != null && named(elf, vaddr, "vfork", "__vfork", "__libc_vfork");
            if (popped) { // glibc's vfork pops its return address into rdi before the system call: its caller's frame is at sp itself
                cfa = sp;
                ra = st.di();
            } else if (i == 0 && rule.isEmpty() && elf != null && named(elf, vaddr, "clone3", "__clone3", "clone", "__clone")) {
                // glibc's clone wrappers end their unwind information before the system call (the child's would be wrong);
                // they push nothing, so the return address is at sp
                cfa = sp + 8;
                ra = read(snap, base, limit, sp);
            } else if (stub.isPresent()) { // a JIT's stub its perf map names: its own prologue says where its caller is
                cfa = sp + stub.get().depth() + 8;
                ra = read(snap, base, limit, sp + stub.get().depth());
                if (stub.get().rbpAt() > 0) nbp = read(snap, base, limit, cfa - 8 - stub.get().rbpAt());
            } else if (rule.isPresent()) {
                EhFrame.Rule r = rule.get();
                cfa = (r.cfaRegister() == EhFrame.RSP ? sp : bp) + r.cfaOffset();
                ra = read(snap, base, limit, cfa + r.raOffset());
                if (r.rbpSaved()) nbp = read(snap, base, limit, cfa + r.rbpOffset());
            } else { // no rule: a frame pointer, if there is one
                if (bp < sp || bp + 16 > limit) break;
                cfa = bp + 16;
                ra = read(snap, base, limit, bp + 8);
                nbp = read(snap, base, limit, bp);
            }
            if (ra == 0 || cfa < sp || cfa == sp && !popped) break; // the end of the copy, or a stack that does not go up
            ip = ra;
            sp = cfa;
            bp = nbp;
        }
        if (out.size() < kernel.length) return kernel;
        long[] a = new long[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    /** Whether an address of elf is in the function named one of names (a glibc system-call wrapper's aliases). */
    private static boolean named(Elf elf, long vaddr, String... names) {
        if (vaddr < 0) return false;
        var f = elf.functionAt(vaddr);
        return f.isPresent() && java.util.Arrays.asList(names).contains(f.get().getKey().name());
    }

    /** A word of the copied stack at addr, or 0 outside it. */
    private static long read(java.nio.ByteBuffer snap, long base, long limit, long addr) {
        if (addr < base || addr + 8 > limit) return 0;
        return snap.getLong((int) (addr - base));
    }

    private final Map<Integer, PerfMap> perfMaps = lru(256);
    /** When each process was last found to have no perf map (a JVM's JIT without one): asked at most once per MAPS_FRESH_NS, not once per frame. */
    private final Map<Integer, Long> perfMapMissing = lru(256);

    /** The JIT function an address of anonymous code is in, from the process's perf map (read again when it may have grown). */
    private java.util.Optional<PerfMap.Entry> jit(int pid, long address) {
        PerfMap m = perfMaps.get(pid);
        var e = m == null ? java.util.Optional.<PerfMap.Entry>empty() : m.find(address);
        long now = System.nanoTime();
        Long missing = perfMapMissing.get(pid);
        if (e.isPresent() || m == null && missing != null && now - missing < MAPS_FRESH_NS || !Procfs.alive(pid)) return e;
        var read = PerfMap.read(pid); // again when it may have grown: a JIT names its code before it runs
        if (read.isEmpty()) {
            if (m == null) perfMapMissing.put(pid, now);
            return e;
        }
        if (m == null || read.get().size() != m.size()) perfMaps.put(pid, read.get());
        return read.get().find(address);
    }

    /** The unwind rule of the JIT function holding return address ret (at = ret - 1), from its machine code up to the call. */
    private java.util.Optional<Prologue.Rule> jitRule(int pid, long at, long ret) {
        var e = jit(pid, at);
        if (e.isEmpty() || ret - e.get().start() > 64) return java.util.Optional.empty();
        int n = (int) (ret - e.get().start());
        return Prologue.at(Procfs.bytes(pid, e.get().start(), n), n);
    }

    /** ELF files read so far (for tests and metrics). */
    public long elfReads() { return elfReads; }

    /** The kernel's mappings of pid when it sent them, else /proc's; through parent's when pid is gone (see frames). */
    private ProcessMaps maps(int pid, int parent) {
        ProcessMaps k = kernel.get(pid);
        if (k != null) return k;
        ProcessMaps m = snapshot(pid, false);
        if (m != null || parent <= 0) return m;
        k = kernel.get(parent);
        return k != null ? k : snapshot(parent, false);
    }

    private ProcessMaps snapshot(int pid, boolean fresh) {
        Snapshot s = maps.get(pid);
        long now = System.nanoTime();
        if (s != null && !fresh && now - s.readAt() < MAPS_FRESH_NS) return s.maps();
        var read = ProcessMaps.read(pid);
        if (read.isPresent()) {
            maps.put(pid, new Snapshot(read.get(), now));
            for (ProcessMaps.Mapping mp : read.get().mappings()) if (mp.fileBacked() && mp.path().startsWith("/")) paths.put(mp.dev() + ":" + mp.inode(), mp.path());
            return read.get();
        }
        return s == null ? null : s.maps(); // gone: what it had
    }

    /** The ELF file of a mapping: through /proc/PID/map_files (the very file, in any mount namespace), else its path. */
    private Elf elf(int pid, ProcessMaps.Mapping mp) {
        String key = mp.dev() + ":" + mp.inode();
        Object e = elves.get(key);
        if (e instanceof Elf elf) return elf;
        if (e != null) return null;
        Path direct = Path.of("/proc", Integer.toString(pid), "map_files", Long.toHexString(mp.start()) + "-" + Long.toHexString(mp.end()));
        Path file = Files.exists(direct) ? direct : Path.of(mp.path());
        try {
            // by its path only when that is the very file (another mount namespace's path names another file here)
            if (file != direct && !(mp.dev() + ":" + mp.inode()).equals(fileKey(file))) throw new IOException(file + " is another file here");
            elfReads++;
            Elf elf = Elf.read(file);
            elves.put(key, elf);
            return elf;
        } catch (IOException | RuntimeException ex) {
            elves.put(key, String.valueOf(ex.getMessage()));
            return null;
        }
    }
}
