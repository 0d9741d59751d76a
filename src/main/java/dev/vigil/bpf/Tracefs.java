package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * tracefs, where libbpf finds tracepoint ids. {@link #ensureMounted()} mounts it at
 * /sys/kernel/tracing when neither that nor /sys/kernel/debug/tracing is mounted.
 * Thread-safe.
 */
public final class Tracefs {
    public static final Path PRIMARY = Path.of("/sys/kernel/tracing");
    public static final Path LEGACY = Path.of("/sys/kernel/debug/tracing");

    private static final MethodHandle MOUNT = Libbpf.LINKER.downcallHandle(
            Libbpf.LINKER.defaultLookup().find("mount").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
            Linker.Option.captureCallState("errno"));

    private Tracefs() {}

    /** The mounted tracefs directory, or null. */
    public static Path mounted() {
        for (Path p : new Path[] {PRIMARY, LEGACY}) {
            if (Files.isDirectory(p.resolve("events"))) return p;
        }
        return null;
    }

    /**
     * True when a tracepoint category/name exists in tracefs, mounting tracefs first when
     * nothing has (a fresh boot): an unmounted tracefs is not a kernel without the event.
     */
    public static boolean hasTracepoint(String category, String name) {
        Path t = mounted();
        if (t == null) {
            try {
                t = ensureMounted();
            } catch (BpfException e) {
                return false; /* no privilege to mount: the caller reports the event as unavailable */
            }
        }
        return Files.isDirectory(t.resolve("events").resolve(category).resolve(name));
    }

    /**
     * Mounts tracefs at /sys/kernel/tracing unless it is already there.
     * @return the tracefs directory
     * @throws BpfException when the mount fails (EPERM without CAP_SYS_ADMIN)
     */
    public static synchronized Path ensureMounted() {
        Path m = mounted();
        if (m != null) return m;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(arena);
            int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom("tracefs"), arena.allocateFrom(PRIMARY.toString()),
                    arena.allocateFrom("tracefs"), 0L, MemorySegment.NULL);
            if (rc != 0) throw new BpfException("mount tracefs at " + PRIMARY, Libbpf.errno(state));
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return PRIMARY;
    }
}
