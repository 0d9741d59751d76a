package dev.vigil.bpf;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/** The version of the libbpf vigil is bound to. */
public final class LibbpfVersion {
    private LibbpfVersion() {}

    /** "v1.1" style version string of the loaded libbpf. */
    public static String get() {
        try {
            var h = Libbpf.LINKER.downcallHandle(Libbpf.LIBBPF.find("libbpf_version_string").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS));
            return Libbpf.string((MemorySegment) h.invokeExact());
        } catch (Throwable t) {
            throw new IllegalStateException("libbpf_version_string: " + t.getMessage());
        }
    }
}
