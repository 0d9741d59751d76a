package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.syscall.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One BPF ELF object opened from memory: set read-only globals, load, attach programs,
 * reach maps, close. The object owns its links and maps; {@link #close()} destroys the
 * links in reverse order of attachment and then the object, so nothing of it stays in
 * the kernel (nothing is pinned). Not thread-safe: one owner thread opens, loads,
 * attaches and closes; map reads may happen from other threads while it is open.
 * Needs a kernel with BTF (CO-RE) and CAP_BPF + CAP_PERFMON (or root) to load.
 */
public final class BpfObject implements AutoCloseable {
    private static final int LOG_SIZE = 4 << 20;

    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment obj;
    private final MemorySegment logBuf;
    private final Deque<BpfLink> links = new ArrayDeque<>();
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private boolean loaded;
    private boolean closed;

    private BpfObject(String name, byte[] elf) {
        LibbpfLog.install();
        this.name = name;
        MemorySegment buf = arena.allocate(elf.length, 8);
        buf.copyFrom(MemorySegment.ofArray(elf));
        MemorySegment opts = arena.allocate(Libbpf.OPEN_OPTS_SIZE, 8);
        opts.set(JAVA_LONG, 0, Libbpf.OPEN_OPTS_SIZE);
        opts.set(java.lang.foreign.ValueLayout.ADDRESS, Libbpf.OPEN_OPTS_OBJECT_NAME, arena.allocateFrom(name));
        logBuf = arena.allocate(LOG_SIZE);
        opts.set(java.lang.foreign.ValueLayout.ADDRESS, Libbpf.OPEN_OPTS_LOG_BUF, logBuf);
        opts.set(JAVA_LONG, Libbpf.OPEN_OPTS_LOG_SIZE, LOG_SIZE);
        opts.set(JAVA_INT, Libbpf.OPEN_OPTS_LOG_LEVEL, 0);
        MemorySegment state = Libbpf.callState(arena);
        MemorySegment o;
        try {
            o = (MemorySegment) Libbpf.OBJECT_OPEN_MEM.invokeExact(state, buf, (long) elf.length, opts);
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException(t);
        }
        if (o.equals(MemorySegment.NULL)) {
            int errno = Libbpf.errno(state);
            arena.close();
            throw new BpfException("open BPF object " + name, errno);
        }
        obj = o;
    }

    /** Opens an object from its ELF bytes. */
    public static BpfObject open(String name, byte[] elf) {
        return new BpfObject(name, elf);
    }

    /** Opens an object embedded in the jar, e.g. "/dev/vigil/bpf/syscall_histogram.bpf.o". */
    public static BpfObject openResource(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) throw new BpfException("open BPF object " + resource + " (not in the jar: rebuild)", Errno.ENOENT);
            String base = resource.substring(resource.lastIndexOf('/') + 1).replace(".bpf.o", "");
            return new BpfObject(base, in.readAllBytes());
        } catch (IOException e) {
            throw new BpfException("read BPF object " + resource + ": " + e.getMessage(), Errno.EFAULT);
        }
    }

    public String name() { return name; }

    /**
     * Sets a {@code const volatile} global in .rodata before load. The value's size must
     * match the variable's size in BTF.
     */
    public BpfObject setGlobal(String variable, long value) {
        checkOpen();
        if (loaded) throw new IllegalStateException("globals are read-only after load: " + variable);
        Rodata var = Rodata.find(obj, variable);
        switch ((int) var.size()) {
            case 1 -> var.data().set(JAVA_BYTE, var.offset(), (byte) value);
            case 2 -> var.data().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, var.offset(), (short) value);
            case 4 -> var.data().set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, var.offset(), (int) value);
            case 8 -> var.data().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, var.offset(), value);
            default -> throw new IllegalArgumentException(variable + " is " + var.size() + " bytes, not an integer");
        }
        return this;
    }

    /** Reads back a .rodata global (as set, before or after load). */
    public long global(String variable) {
        checkOpen();
        Rodata var = Rodata.find(obj, variable);
        MemorySegment s = var.data().asSlice(var.offset(), var.size());
        return switch ((int) var.size()) {
            case 1 -> s.get(JAVA_BYTE, 0);
            case 2 -> s.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0);
            case 4 -> s.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0);
            case 8 -> s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0);
            default -> throw new IllegalArgumentException(variable + " is not an integer");
        };
    }

    /**
     * Before load: the map is another object's, already loaded (fd, which libbpf duplicates):
     * the two objects' programs then share it. Its type, key, value and size must match.
     */
    public BpfObject reuseMap(String map, int fd) {
        checkOpen();
        if (loaded) throw new IllegalStateException("reuse a map after load: " + map);
        try {
            int rc = (int) Libbpf.MAP_REUSE_FD.invokeExact(map(map).handle(), fd);
            if (rc != 0) throw new BpfException("reuse map " + map + " (fd " + fd + ")", -rc);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return this;
    }

    /** Sets a map's capacity before load. */
    public BpfObject setMaxEntries(String map, int entries) {
        checkOpen();
        if (loaded) throw new IllegalStateException("set max entries after load: " + map);
        try {
            int rc = (int) Libbpf.MAP_SET_MAX_ENTRIES.invokeExact(map(map).handle(), entries);
            if (rc != 0) throw new BpfException("set max entries of map " + map, -rc);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return this;
    }

    /** The names of the object's programs, in the order of its ELF file. */
    public java.util.List<String> programNames() {
        checkOpen();
        java.util.List<String> out = new java.util.ArrayList<>();
        try {
            MemorySegment p = MemorySegment.NULL;
            while (true) {
                p = (MemorySegment) Libbpf.OBJECT_NEXT_PROGRAM.invokeExact(obj, p);
                if (p.equals(MemorySegment.NULL)) return out;
                MemorySegment n = (MemorySegment) Libbpf.PROGRAM_NAME.invokeExact(p);
                out.add(n.reinterpret(256).getString(0));
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Skips loading one program of the object (it must not be attached). */
    public BpfObject disableProgram(String program) {
        checkOpen();
        try {
            int rc = (int) Libbpf.PROGRAM_SET_AUTOLOAD.invokeExact(program(program), false);
            if (rc < 0) throw new BpfException("disable program " + program, -rc);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return this;
    }

    /**
     * Loads maps and programs into the kernel. On failure the exception carries the
     * verifier log; EPERM means missing privileges.
     */
    public BpfObject load() {
        checkOpen();
        if (loaded) return this;
        int rc;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            rc = (int) Libbpf.OBJECT_LOAD.invokeExact(state, obj);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) {
            int errno = -rc;
            String log = logBuf.getString(0);
            String op = "load BPF object " + name;
            if (errno == Errno.ENOENT || errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP || errno == 4011) {
                String recent = String.join(" | ", LibbpfLog.recent());
                if (recent.contains("BTF") && recent.contains("vmlinux")) {
                    throw new BpfFeatureMissingException(op, errno, "kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y)");
                }
            }
            throw new BpfException(op, errno, log);
        }
        loaded = true;
        return this;
    }

    public boolean isLoaded() { return loaded; }

    /**
     * Attaches a loaded program by its section (tracepoint/..., lsm/..., fentry/...).
     * The link is owned by this object and destroyed by {@link #close()}, or earlier by
     * closing the returned link.
     */
    public BpfLink attach(String program) {
        checkOpen();
        if (!loaded) throw new IllegalStateException("attach before load: " + program);
        MemorySegment prog = program(program);
        String section = Libbpf.string(callPtr(Libbpf.PROGRAM_SECTION, prog));
        if (section.startsWith("tracepoint/") || section.startsWith("tp/")) Tracefs.ensureMounted();
        MemorySegment link;
        int errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            link = (MemorySegment) Libbpf.PROGRAM_ATTACH.invokeExact(state, prog);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return owned(section, link, errno);
    }

    /** The link libbpf returned for section, owned by this object; the attach's error when there is none. */
    private BpfLink owned(String section, MemorySegment link, int errno) {
        if (link.equals(MemorySegment.NULL)) {
            String tp = section.replaceFirst("^tp/", "tracepoint/"), op = "attach " + tp;
            if (errno == Errno.ENOENT && tp.startsWith("tracepoint/")) {
                throw new BpfFeatureMissingException(op, errno,
                        "tracepoint " + tp.substring("tracepoint/".length())
                                + " (is tracefs mounted at /sys/kernel/tracing?)");
            }
            throw new BpfException(op, errno);
        }
        BpfLink l = new BpfLink(section, link, links::remove);
        links.push(l);
        return l;
    }

    /**
     * Attaches a loaded tracepoint program to a tracepoint other than (or besides) the one its
     * section names: one program on several syscalls:sys_exit_* events, say. Owned like
     * {@link #attach}'s links.
     */
    public BpfLink attachTracepoint(String program, String category, String tracepoint) {
        Tracefs.ensureMounted();
        return attachWith(program, "tracepoint/" + category + "/" + tracepoint, (call, state, prog) ->
                (MemorySegment) Libbpf.PROGRAM_ATTACH_TRACEPOINT.invokeExact(state, prog, call.allocateFrom(category), call.allocateFrom(tracepoint)));
    }

    /**
     * Attaches a loaded SEC("uprobe") or SEC("uretprobe") program at a file offset of binary
     * (pid -1: every process that maps it), with a BPF cookie the program reads through
     * bpf_get_attach_cookie. Owned like {@link #attach}'s links.
     */
    public BpfLink attachUprobe(String program, String binary, long fileOffset, boolean retprobe, int pid, long cookie) {
        return attachWith(program, (retprobe ? "uretprobe/" : "uprobe/") + binary + ":0x" + Long.toHexString(fileOffset), (call, state, prog) -> {
            MemorySegment opts = call.allocate(Libbpf.UPROBE_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, Libbpf.UPROBE_OPTS_SIZE);
            opts.set(JAVA_LONG, Libbpf.UPROBE_OPTS_COOKIE, cookie);
            opts.set(JAVA_BYTE, Libbpf.UPROBE_OPTS_RETPROBE, (byte) (retprobe ? 1 : 0));
            return (MemorySegment) Libbpf.PROGRAM_ATTACH_UPROBE_OPTS.invokeExact(state, prog, pid, call.allocateFrom(binary), fileOffset, opts);
        });
    }

    /**
     * Attaches a loaded SEC("usdt") program to every site of a USDT probe of binary (pid -1:
     * every process), with a cookie the program reads through bpf_usdt_cookie.
     */
    public BpfLink attachUsdt(String program, String binary, String provider, String probe, int pid, long cookie) {
        return attachWith(program, "usdt/" + binary + ":" + provider + ":" + probe, (call, state, prog) -> {
            MemorySegment opts = call.allocate(Libbpf.USDT_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, Libbpf.USDT_OPTS_SIZE);
            opts.set(JAVA_LONG, Libbpf.USDT_OPTS_COOKIE, cookie);
            return (MemorySegment) Libbpf.PROGRAM_ATTACH_USDT.invokeExact(state, prog, pid, call.allocateFrom(binary),
                    call.allocateFrom(provider), call.allocateFrom(probe), opts);
        });
    }

    /** {@link #attachTracepoint} with a BPF cookie (read through bpf_get_attach_cookie). */
    public BpfLink attachTracepoint(String program, String category, String tracepoint, long cookie) {
        Tracefs.ensureMounted();
        return attachWith(program, "tracepoint/" + category + "/" + tracepoint, (call, state, prog) -> {
            MemorySegment opts = call.allocate(Libbpf.TRACEPOINT_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, Libbpf.TRACEPOINT_OPTS_SIZE);
            opts.set(JAVA_LONG, Libbpf.TRACEPOINT_OPTS_COOKIE, cookie);
            return (MemorySegment) Libbpf.PROGRAM_ATTACH_TRACEPOINT_OPTS.invokeExact(state, prog, call.allocateFrom(category),
                    call.allocateFrom(tracepoint), opts);
        });
    }

    /** One libbpf attach call: given a call arena, an errno-capturing state and the program, returns the link (NULL on failure). */
    @FunctionalInterface
    private interface AttachCall {
        MemorySegment attach(Arena call, MemorySegment state, MemorySegment prog) throws Throwable;
    }

    /** Runs an attach call for a loaded program; the link is owned like {@link #attach}'s, section names it in errors. */
    private BpfLink attachWith(String program, String section, AttachCall how) {
        checkOpen();
        if (!loaded) throw new IllegalStateException("attach before load: " + program);
        MemorySegment prog = program(program), link;
        int errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            link = how.attach(call, state, prog);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return owned(section, link, errno);
    }

    /** The file descriptor of a loaded program. */
    public int programFd(String program) {
        checkOpen();
        try {
            int fd = (int) Libbpf.PROGRAM_FD.invokeExact(program(program));
            if (fd < 0) throw new BpfException("program fd " + program, -fd);
            return fd;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A map of this object by name; valid until the object is closed. */
    public BpfMap map(String map) {
        checkOpen();
        return maps.computeIfAbsent(map, m -> {
            MemorySegment p;
            try (Arena call = Arena.ofConfined()) {
                p = (MemorySegment) Libbpf.OBJECT_FIND_MAP.invokeExact(obj, call.allocateFrom(m));
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (p.equals(MemorySegment.NULL)) throw new BpfException("find map " + m + " in " + name, Errno.ENOENT);
            return new BpfMap(this, m, p);
        });
    }

    /** A struct's size and member offsets, from this object's BTF (to check wire layouts). */
    public BtfStruct btfStruct(String struct) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment btf = (MemorySegment) Libbpf.OBJECT_BTF.invokeExact(obj);
            if (btf.equals(MemorySegment.NULL)) throw new BpfException("BTF of " + name, Errno.ENOENT);
            int id = (int) Libbpf.BTF_FIND_BY_NAME_KIND.invokeExact(btf, call.allocateFrom(struct), Libbpf.BTF_KIND_STRUCT);
            if (id < 0) throw new BpfException("find struct " + struct + " in BTF of " + name, -id);
            MemorySegment t = ((MemorySegment) Libbpf.BTF_TYPE_BY_ID.invokeExact(btf, id)).reinterpret(12);
            int vlen = t.get(JAVA_INT, 4) & 0xffff;
            long size = Integer.toUnsignedLong(t.get(JAVA_INT, 8));
            MemorySegment members = t.reinterpret(12 + 12L * vlen);
            java.util.List<BtfStruct.Member> out = new java.util.ArrayList<>();
            for (int i = 0; i < vlen; i++) {
                long base = 12 + 12L * i;
                String m = Libbpf.string((MemorySegment) Libbpf.BTF_NAME_BY_OFFSET.invokeExact(btf, members.get(JAVA_INT, base)));
                int type = members.get(JAVA_INT, base + 4);
                long bitOffset = Integer.toUnsignedLong(members.get(JAVA_INT, base + 8)) & 0xffffff;
                long msize = (long) Libbpf.BTF_RESOLVE_SIZE.invokeExact(btf, type);
                out.add(new BtfStruct.Member(m, bitOffset / 8, msize));
            }
            return new BtfStruct(struct, size, out);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** An enum's enumerators and values, from this object's BTF (to check constants shared with Java). */
    public java.util.Map<String, Long> btfEnum(String name) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment btf = (MemorySegment) Libbpf.OBJECT_BTF.invokeExact(obj);
            if (btf.equals(MemorySegment.NULL)) throw new BpfException("BTF of " + this.name, Errno.ENOENT);
            int id = (int) Libbpf.BTF_FIND_BY_NAME_KIND.invokeExact(btf, call.allocateFrom(name), Libbpf.BTF_KIND_ENUM);
            if (id < 0) throw new BpfException("find enum " + name + " in BTF of " + this.name, -id);
            MemorySegment t = ((MemorySegment) Libbpf.BTF_TYPE_BY_ID.invokeExact(btf, id)).reinterpret(12);
            int vlen = t.get(JAVA_INT, 4) & 0xffff;
            MemorySegment values = t.reinterpret(12 + 8L * vlen);
            java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
            for (int i = 0; i < vlen; i++) {
                long base = 12 + 8L * i;
                String n = Libbpf.string((MemorySegment) Libbpf.BTF_NAME_BY_OFFSET.invokeExact(btf, values.get(JAVA_INT, base)));
                out.put(n, (long) values.get(JAVA_INT, base + 4));
            }
            return out;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    boolean isOpen() { return !closed; }

    private MemorySegment program(String program) {
        MemorySegment p;
        try (Arena call = Arena.ofConfined()) {
            p = (MemorySegment) Libbpf.OBJECT_FIND_PROGRAM.invokeExact(obj, call.allocateFrom(program));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (p.equals(MemorySegment.NULL)) throw new BpfException("find program " + program + " in " + name, Errno.ENOENT);
        return p;
    }

    private static MemorySegment callPtr(java.lang.invoke.MethodHandle h, MemorySegment arg) {
        try {
            return (MemorySegment) h.invokeExact(arg);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("BPF object " + name + " is closed");
    }

    /** Destroys every link (newest first), then the object. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        while (!links.isEmpty()) {
            try {
                links.peek().close();
            } catch (RuntimeException e) {
                links.poll();
                if (first == null) first = e;
            }
        }
        try {
            Libbpf.OBJECT_CLOSE.invokeExact(obj);
        } catch (Throwable t) {
            if (first == null) first = new IllegalStateException(t);
        }
        arena.close();
        if (first != null) throw first;
    }

    /** A variable of the object's .rodata section, located through the object's BTF. */
    private record Rodata(MemorySegment data, long offset, long size) {
        static Rodata find(MemorySegment obj, String variable) {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment btf = (MemorySegment) Libbpf.OBJECT_BTF.invokeExact(obj);
                if (btf.equals(MemorySegment.NULL)) throw new BpfException("find global " + variable + ": object has no BTF", Errno.ENOENT);
                MemorySegment mapPtr = (MemorySegment) Libbpf.OBJECT_FIND_MAP.invokeExact(obj, call.allocateFrom(".rodata"));
                if (mapPtr.equals(MemorySegment.NULL)) {
                    // libbpf names the map "<obj>.rodata" internally but finds it by section name too
                    throw new BpfException("find global " + variable + ": object has no .rodata", Errno.ENOENT);
                }
                MemorySegment psize = call.allocate(JAVA_LONG);
                MemorySegment data = (MemorySegment) Libbpf.MAP_INITIAL_VALUE.invokeExact(mapPtr, psize);
                long dataSize = psize.get(JAVA_LONG, 0);
                int secId = (int) Libbpf.BTF_FIND_BY_NAME_KIND.invokeExact(btf, call.allocateFrom(".rodata"), Libbpf.BTF_KIND_DATASEC);
                if (secId < 0) throw new BpfException("find global " + variable + ": no .rodata in BTF", -secId);
                MemorySegment sec = ((MemorySegment) Libbpf.BTF_TYPE_BY_ID.invokeExact(btf, secId)).reinterpret(12);
                int vlen = sec.get(JAVA_INT, 4) & 0xffff;
                MemorySegment infos = sec.reinterpret(12 + 12L * vlen);
                for (int i = 0; i < vlen; i++) {
                    int type = infos.get(JAVA_INT, 12 + 12L * i);
                    int off = infos.get(JAVA_INT, 12 + 12L * i + 4);
                    int size = infos.get(JAVA_INT, 12 + 12L * i + 8);
                    MemorySegment var = ((MemorySegment) Libbpf.BTF_TYPE_BY_ID.invokeExact(btf, type)).reinterpret(12);
                    String varName = Libbpf.string((MemorySegment) Libbpf.BTF_NAME_BY_OFFSET.invokeExact(btf, var.get(JAVA_INT, 0)));
                    if (varName.equals(variable)) {
                        if (off + size > dataSize) throw new BpfException("find global " + variable + ": out of .rodata", Errno.EINVAL);
                        return new Rodata(data.reinterpret(dataSize), off, size);
                    }
                }
                throw new BpfException("find global " + variable + " (no such const volatile variable)", Errno.ENOENT);
            } catch (BpfException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("vigil supports little-endian machines only");
        }
    }
}
