package dev.vigil.bpf;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Java side of struct vigil_test_event (events.h). */
record TestEvent(int type, int pid, int tgid, long seq, long ktimeNs) {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("pid"), JAVA_INT.withName("tgid"), JAVA_INT.withName("_pad"),
            JAVA_LONG.withName("seq"), JAVA_LONG.withName("ktime_ns")).withName("vigil_test_event");

    static TestEvent decode(byte[] bytes) {
        if (bytes.length != LAYOUT.byteSize()) throw new IllegalArgumentException("event of " + bytes.length + " bytes");
        MemorySegment s = MemorySegment.ofArray(bytes);
        return new TestEvent(s.get(JAVA_INT.withByteAlignment(1), 0), s.get(JAVA_INT.withByteAlignment(1), 4),
                s.get(JAVA_INT.withByteAlignment(1), 8), s.get(JAVA_LONG.withByteAlignment(1), 16),
                s.get(JAVA_LONG.withByteAlignment(1), 24));
    }
}
