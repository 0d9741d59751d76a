package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Routes libbpf's own messages (warnings, CO-RE relocation notes) into Java instead of
 * stderr: the last messages are kept for error reports, and printed to stderr only when
 * {@link #setVerbose(boolean) verbose}. Installed once, on first use of the binding.
 * Thread-safe. The upcall never lets an exception escape.
 */
public final class LibbpfLog {
    private static final int KEEP = 64;
    private static final ArrayDeque<String> RECENT = new ArrayDeque<>();
    private static volatile boolean verbose;
    private static final MethodHandle VSNPRINTF;

    static {
        // va_list is a pointer-sized array parameter on x86_64; a 32-byte struct on aarch64
        MemoryLayout vaList = "aarch64".equals(System.getProperty("os.arch"))
                ? MemoryLayout.structLayout(ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT)
                : ADDRESS;
        VSNPRINTF = Libbpf.LINKER.downcallHandle(Libbpf.LINKER.defaultLookup().find("vsnprintf").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, vaList));
        MemorySegment callback = Libbpf.LINKER.upcallStub(
                printHandle(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, vaList), Arena.global());
        try {
            MemorySegment _ = (MemorySegment) Libbpf.SET_PRINT.invokeExact(callback); // the default printer is not kept
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private LibbpfLog() {}

    private static MethodHandle printHandle() {
        try {
            return java.lang.invoke.MethodHandles.lookup().findStatic(LibbpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Makes sure the callback is installed (class initialisation does it). */
    static void install() {}

    public static void setVerbose(boolean on) {
        verbose = on;
    }

    /** The most recent libbpf messages, oldest first. */
    public static List<String> recent() {
        synchronized (RECENT) {
            return new ArrayList<>(RECENT);
        }
    }

    @SuppressWarnings("unused") // upcall
    private static int print(int level, MemorySegment format, MemorySegment args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            int n = (int) VSNPRINTF.invokeExact(buf, 4096L, format, args);
            if (n < 0) return 0;
            String text = buf.getString(0).stripTrailing();
            synchronized (RECENT) {
                if (RECENT.size() == KEEP) RECENT.removeFirst();
                RECENT.addLast(text);
            }
            if (verbose) System.err.println("libbpf: " + text);
            return n;
        } catch (Throwable t) {
            return 0; // never throw across the native boundary
        }
    }
}
