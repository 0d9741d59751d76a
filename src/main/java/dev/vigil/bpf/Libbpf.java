package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.syscall.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Native handles into libbpf.so.1 (Debian's libbpf1, 1.1 or newer) and the few libc
 * functions the binding needs. Every handle is created once; functions that report
 * failure through errno capture it (read with {@link #errno(MemorySegment)}).
 * No logic lives here: see {@link BpfObject}, {@link BpfMap}, {@link RingBuffer}.
 */
final class Libbpf {
    private Libbpf() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBBPF = load();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** sizeof(struct bpf_object_open_opts) and field offsets in libbpf 1.1 on LP64. */
    static final long OPEN_OPTS_SIZE = 80, OPEN_OPTS_OBJECT_NAME = 8, OPEN_OPTS_LOG_BUF = 56,
            OPEN_OPTS_LOG_SIZE = 64, OPEN_OPTS_LOG_LEVEL = 72;
    static final int BTF_KIND_STRUCT = 4, BTF_KIND_ENUM = 6, BTF_KIND_VAR = 14, BTF_KIND_DATASEC = 15;

    private static SymbolLookup load() {
        for (String name : new String[] {"libbpf.so.1", "libbpf.so"}) {
            try {
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        throw new BpfFeatureMissingException("load libbpf.so.1", Errno.ENOENT,
                "libbpf 1.x shared library (apt-get install libbpf1)");
    }

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBBPF.find(name)
                .or(() -> LINKER.defaultLookup().find(name))
                .orElseThrow(() -> new BpfFeatureMissingException("find symbol " + name, Errno.ENOENT,
                        "libbpf 1.1 or newer"));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static MethodHandle errnoFn(String name, FunctionDescriptor fd) {
        return fn(name, fd, CAPTURE_ERRNO);
    }

    // objects and programs (pointer results: NULL + errno on failure)
    static final MethodHandle OBJECT_OPEN_MEM = errnoFn("bpf_object__open_mem",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle OBJECT_LOAD = errnoFn("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJECT_CLOSE = fn("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle OBJECT_FIND_PROGRAM = fn("bpf_object__find_program_by_name",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_FIND_MAP = fn("bpf_object__find_map_by_name",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_BTF = fn("bpf_object__btf", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle OBJECT_NEXT_PROGRAM = fn("bpf_object__next_program", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_NAME = fn("bpf_program__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_SECTION = fn("bpf_program__section_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_FD = fn("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle PROGRAM_SET_AUTOLOAD = fn("bpf_program__set_autoload",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ValueLayout.JAVA_BOOLEAN));
    static final MethodHandle PROGRAM_ATTACH = errnoFn("bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_ATTACH_TRACEPOINT = errnoFn("bpf_program__attach_tracepoint",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    /** struct bpf_uprobe_opts (sz, ref_ctr_offset, bpf_cookie, retprobe, func_name), bpf_usdt_opts (sz, usdt_cookie)
     * and bpf_tracepoint_opts (sz, bpf_cookie) in libbpf 1.1 on LP64. */
    static final long UPROBE_OPTS_SIZE = 40, UPROBE_OPTS_COOKIE = 16, UPROBE_OPTS_RETPROBE = 24,
            USDT_OPTS_SIZE = 16, USDT_OPTS_COOKIE = 8, TRACEPOINT_OPTS_SIZE = 16, TRACEPOINT_OPTS_COOKIE = 8;
    static final MethodHandle PROGRAM_ATTACH_UPROBE_OPTS = errnoFn("bpf_program__attach_uprobe_opts",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle PROGRAM_ATTACH_USDT = errnoFn("bpf_program__attach_usdt",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_ATTACH_TRACEPOINT_OPTS = errnoFn("bpf_program__attach_tracepoint_opts",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle LINK_DESTROY = fn("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    // maps
    static final MethodHandle MAP_FD = fn("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_TYPE = fn("bpf_map__type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_KEY_SIZE = fn("bpf_map__key_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_VALUE_SIZE = fn("bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_MAX_ENTRIES = fn("bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_INITIAL_VALUE = fn("bpf_map__initial_value",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_LOOKUP_ELEM = errnoFn("bpf_map_lookup_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_UPDATE_ELEM = errnoFn("bpf_map_update_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle MAP_DELETE_ELEM = errnoFn("bpf_map_delete_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle MAP_GET_NEXT_KEY = errnoFn("bpf_map_get_next_key",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_LOOKUP_BATCH = errnoFn("bpf_map_lookup_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_REUSE_FD = fn("bpf_map__reuse_fd", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle MAP_SET_MAX_ENTRIES = fn("bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle MAP_PIN = fn("bpf_map__pin", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_UNPIN = fn("bpf_map__unpin", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle OBJ_GET = errnoFn("bpf_obj_get", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // the kernel's programs and their statistics (BPF_ENABLE_STATS, BPF_OBJ_GET_INFO_BY_FD)
    static final MethodHandle PROG_GET_NEXT_ID = errnoFn("bpf_prog_get_next_id", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle PROG_GET_FD_BY_ID = errnoFn("bpf_prog_get_fd_by_id", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle OBJ_GET_INFO_BY_FD = errnoFn("bpf_obj_get_info_by_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle ENABLE_STATS = errnoFn("bpf_enable_stats", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle BTF_LOAD_FROM_KERNEL_BY_ID = errnoFn("btf__load_from_kernel_by_id", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle BTF_FREE = fn("btf__free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle NUM_POSSIBLE_CPUS = fn("libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));

    // ring buffers
    static final MethodHandle RING_BUFFER_NEW = errnoFn("ring_buffer__new",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle RING_BUFFER_POLL = fn("ring_buffer__poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RING_BUFFER_CONSUME = fn("ring_buffer__consume", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle RING_BUFFER_FREE = fn("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));
    static final FunctionDescriptor RING_BUFFER_SAMPLE = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);

    // BTF of an object
    static final MethodHandle BTF_FIND_BY_NAME_KIND = fn("btf__find_by_name_kind",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_TYPE_BY_ID = fn("btf__type_by_id", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_NAME_BY_OFFSET = fn("btf__name_by_offset", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_RESOLVE_SIZE = fn("btf__resolve_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));

    // logging
    static final MethodHandle SET_PRINT = fn("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));

    /** errno from a call state segment filled by a capturing handle. */
    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** Allocates a call-state segment for capturing handles. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** A C string as a Java string (empty for NULL). */
    static String string(MemorySegment cString) {
        if (cString.equals(MemorySegment.NULL)) return "";
        return cString.reinterpret(Long.MAX_VALUE).getString(0);
    }

    static int numPossibleCpus() {
        try {
            int n = (int) NUM_POSSIBLE_CPUS.invokeExact();
            if (n <= 0) throw new BpfException("libbpf_num_possible_cpus", -n);
            return n;
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
