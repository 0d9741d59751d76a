package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.syscall.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A map of a {@link BpfObject}; valid while the object is open (the object owns it).
 * Reads may run on any thread; each call allocates its own buffers, except the
 * {@link PerCpuArrayReader}, which is confined to the thread that uses it.
 */
public final class BpfMap implements AutoCloseable {
    /** Map types from include/uapi/linux/bpf.h used by vigil. */
    public static final int HASH = 1, ARRAY = 2, PERCPU_HASH = 5, PERCPU_ARRAY = 6, LRU_HASH = 9,
            LRU_PERCPU_HASH = 10, RINGBUF = 27;

    private final BpfObject owner;
    private final String name;
    private final MemorySegment map;

    private final int pinnedFd, pinnedKeySize, pinnedValueSize;
    private volatile boolean pinnedOpen;

    BpfMap(BpfObject owner, String name, MemorySegment map) {
        this.owner = owner;
        this.name = name;
        this.map = map;
        this.pinnedFd = -1;
        this.pinnedKeySize = 0;
        this.pinnedValueSize = 0;
    }

    private BpfMap(String path, int fd, int keySize, int valueSize) {
        this.owner = null;
        this.name = path;
        this.map = MemorySegment.NULL;
        this.pinnedFd = fd;
        this.pinnedKeySize = keySize;
        this.pinnedValueSize = valueSize;
        this.pinnedOpen = true;
    }

    /**
     * A (non-per-CPU) map pinned in bpffs by another process, opened by path; the caller
     * owns it and must close it. Key and value sizes are the caller's to know.
     */
    public static BpfMap openPinned(String path, int keySize, int valueSize) {
        int fd, errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            fd = (int) Libbpf.OBJ_GET.invokeExact(state, call.allocateFrom(path));
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (fd < 0) throw new BpfException("open pinned map " + path, errno);
        return new BpfMap(path, fd, keySize, valueSize);
    }

    /** Pins this map at path in bpffs (so other processes can open it). */
    public void pin(String path) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            int rc = (int) Libbpf.MAP_PIN.invokeExact(map, call.allocateFrom(path));
            if (rc != 0) throw new BpfException("pin map " + name + " at " + path, -rc);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Removes the pin at path; quietly does nothing when there is none. */
    public void unpin(String path) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            int rc = (int) Libbpf.MAP_UNPIN.invokeExact(map, call.allocateFrom(path));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Closes a map opened with {@link #openPinned}; a no-op for maps of an object. */
    @Override
    public void close() {
        if (owner == null && pinnedOpen) {
            pinnedOpen = false;
            try {
                int rc = (int) Libbpf.CLOSE.invokeExact(pinnedFd);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    public String name() { return name; }

    MemorySegment handle() { return map; }

    public int fd() {
        if (owner == null) return pinnedFd;
        int fd = intCall(Libbpf.MAP_FD);
        if (fd < 0) throw new BpfException("map fd " + name + " (not loaded?)", -fd);
        return fd;
    }

    public int type() { return owner == null ? HASH : intCall(Libbpf.MAP_TYPE); }
    public int keySize() { return owner == null ? pinnedKeySize : intCall(Libbpf.MAP_KEY_SIZE); }
    public int valueSize() { return owner == null ? pinnedValueSize : intCall(Libbpf.MAP_VALUE_SIZE); }
    public int maxEntries() { return intCall(Libbpf.MAP_MAX_ENTRIES); }

    public boolean isPerCpu() {
        int t = type();
        return t == PERCPU_ARRAY || t == PERCPU_HASH || t == LRU_PERCPU_HASH;
    }

    /** Bytes one lookup returns: value size, or value size rounded to 8 times the possible CPUs. */
    public long lookupSize() {
        return isPerCpu() ? ((valueSize() + 7L) & ~7L) * Libbpf.numPossibleCpus() : valueSize();
    }

    /**
     * Looks up key into value (which must hold {@link #lookupSize()} bytes).
     * @return false when the key is absent
     */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        checkOpen();
        int rc, errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            rc = (int) Libbpf.MAP_LOOKUP_ELEM.invokeExact(state, fd(), key, value);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc == 0) return true;
        if (errno == Errno.ENOENT) return false;
        throw new BpfException("lookup in map " + name, errno);
    }

    /** Updates key to value (BPF_ANY). */
    public void update(MemorySegment key, MemorySegment value) {
        checkOpen();
        int rc, errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            rc = (int) Libbpf.MAP_UPDATE_ELEM.invokeExact(state, fd(), key, value, 0L);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0) throw new BpfException("update map " + name, errno);
    }

    /** Pushes a value onto a queue or stack map (BPF_ANY: fails with E2BIG when it is full). */
    public void push(MemorySegment value) {
        checkOpen();
        int rc, errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            rc = (int) Libbpf.MAP_UPDATE_ELEM.invokeExact(state, fd(), MemorySegment.NULL, value, 0L);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0) throw new BpfException("push onto map " + name, errno);
    }

    /** Deletes key; false when it was absent. */
    public boolean delete(MemorySegment key) {
        checkOpen();
        int rc, errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            rc = (int) Libbpf.MAP_DELETE_ELEM.invokeExact(state, fd(), key);
            errno = Libbpf.errno(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc == 0) return true;
        if (errno == Errno.ENOENT) return false;
        throw new BpfException("delete from map " + name, errno);
    }

    /** The value of a u64 key-u32 entry, summed over CPUs for per-CPU maps; 0 when absent. */
    public long lookupU64Sum(int key) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment k = call.allocateFrom(JAVA_INT, key);
            MemorySegment v = call.allocate(lookupSize(), 8);
            if (!lookup(k, v)) return 0;
            long stride = (valueSize() + 7L) & ~7L, sum = 0;
            for (long off = 0; off < v.byteSize(); off += stride) sum += v.get(JAVA_LONG, off);
            return sum;
        }
    }

    /**
     * Visits every key with its value, iterating with BPF_MAP_GET_NEXT_KEY. Segments are
     * only valid during the call. Keys deleted concurrently are skipped.
     */
    public void forEach(BiConsumer<MemorySegment, MemorySegment> visitor) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment prev = call.allocate(keySize(), 8);
            MemorySegment next = call.allocate(keySize(), 8);
            MemorySegment value = call.allocate(lookupSize(), 8);
            MemorySegment state = Libbpf.callState(call);
            MemorySegment cursor = MemorySegment.NULL;
            while (true) {
                int rc = (int) Libbpf.MAP_GET_NEXT_KEY.invokeExact(state, fd(), cursor, next);
                if (rc != 0) {
                    int errno = Libbpf.errno(state);
                    if (errno == Errno.ENOENT) return;
                    throw new BpfException("iterate map " + name, errno);
                }
                if (lookup(next, value)) visitor.accept(next, value);
                prev.copyFrom(next);
                cursor = prev;
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The non-zero u64 values of a u32-keyed array (counters by index), each by its index plus one (a slot number). */
    public java.util.Map<Integer, Long> nonZeroBySlot() {
        java.util.Map<Integer, Long> out = new java.util.TreeMap<>();
        forEach((k, v) -> {
            long n = v.get(JAVA_LONG, 0);
            if (n != 0) out.put(k.get(JAVA_INT, 0) + 1, n);
        });
        return out;
    }

    /** All keys, copied (for small maps and tests). */
    public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        forEach((k, v) -> out.add(k.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        return out;
    }

    /** A reusable reader of a per-CPU array of u64 counters; see {@link PerCpuArrayReader}. */
    public PerCpuArrayReader perCpuArrayReader() {
        return new PerCpuArrayReader(this);
    }

    void checkOpen() {
        if (owner == null) {
            if (!pinnedOpen) throw new IllegalStateException("pinned map " + name + " is closed");
            return;
        }
        if (!owner.isOpen()) throw new IllegalStateException("map " + name + " of a closed BPF object");
    }

    private int intCall(java.lang.invoke.MethodHandle h) {
        checkOpen();
        try {
            return (int) h.invokeExact(map);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
