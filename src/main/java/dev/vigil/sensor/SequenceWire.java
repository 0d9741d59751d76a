package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Java side of the structs sequence.bpf.c shares through maps and its ring buffer (events.h): layouts, and the decoding into event records. */
public final class SequenceWire {
    private SequenceWire() {}

    public static final int EV_ANOMALY = 2, EV_STATE = 3, EV_PROFILE_NEW = 4;
    public static final int PREV = 8, WORDS = 8;

    public static final StructLayout EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("pid"), JAVA_INT.withName("tgid"), JAVA_INT.withName("state"),
            JAVA_LONG.withName("ino"), JAVA_INT.withName("dev"), JAVA_INT.withName("syscall"),
            JAVA_LONG.withName("ktime_ns"), JAVA_LONG.withName("calls"), JAVA_LONG.withName("anomalies"),
            JAVA_INT.withName("lfc"), JAVA_INT.withName("misses"),
            MemoryLayout.sequenceLayout(PREV, JAVA_SHORT).withName("window"),
            JAVA_INT.withName("filled"), JAVA_INT.withName("_pad"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("comm"), EventWire.USER_STACK_LAYOUT.withName("ustack")).withName("vigil_seq_event");

    public static final StructLayout PROFILE_KEY = MemoryLayout.structLayout(
            JAVA_LONG.withName("ino"), JAVA_INT.withName("dev"), JAVA_INT.withName("_pad")).withName("vigil_profile_key");

    public static final StructLayout PROFILE = MemoryLayout.structLayout(
            JAVA_LONG.withName("calls"), JAVA_LONG.withName("last_new"), JAVA_LONG.withName("anomalies"),
            JAVA_LONG.withName("pairs"), JAVA_LONG.withName("state"), JAVA_LONG.withName("tolerized")).withName("vigil_profile");

    public static final int PAIR_BITS_SIZE = PREV * WORDS * 8;

    static void write(ProfileKey key, MemorySegment s) {
        s.fill((byte) 0);
        s.set(JAVA_LONG, 0, key.ino());
        s.set(JAVA_INT, 8, key.dev());
    }

    static ProfileKey readKey(MemorySegment s) {
        return new ProfileKey(s.get(JAVA_LONG, 0), s.get(JAVA_INT, 8));
    }

    static SequenceProfile readProfile(ProfileKey key, MemorySegment v) {
        return new SequenceProfile(key, v.get(JAVA_LONG, 0), v.get(JAVA_LONG, 8), v.get(JAVA_LONG, 16), v.get(JAVA_LONG, 24),
                (int) v.get(JAVA_LONG, 32), v.get(JAVA_LONG, 40));
    }

    static void write(SequenceProfile p, MemorySegment v) {
        v.fill((byte) 0);
        v.set(JAVA_LONG, 0, p.calls());
        v.set(JAVA_LONG, 8, p.lastNew());
        v.set(JAVA_LONG, 16, p.anomalies());
        v.set(JAVA_LONG, 24, p.pairs());
        v.set(JAVA_LONG, 32, p.state());
        v.set(JAVA_LONG, 40, p.tolerized());
    }

    private static final ValueLayout.OfInt I = JAVA_INT.withByteAlignment(1);
    private static final ValueLayout.OfLong L = JAVA_LONG.withByteAlignment(1);
    private static final ValueLayout.OfShort S = JAVA_SHORT.withByteAlignment(1);

    private static long at(String member) { return EVENT.byteOffset(MemoryLayout.PathElement.groupElement(member)); }

    /** Member offsets of vigil_seq_event, from the BTF-checked layout. */
    private static final long E_TYPE = at("type"), E_PID = at("pid"), E_TGID = at("tgid"), E_STATE = at("state"), E_INO = at("ino"),
            E_DEV = at("dev"), E_SYSCALL = at("syscall"), E_KTIME = at("ktime_ns"), E_CALLS = at("calls"), E_ANOMALIES = at("anomalies"),
            E_LFC = at("lfc"), E_MISSES = at("misses"), E_WINDOW = at("window"), E_FILLED = at("filled"), E_COMM = at("comm"),
            E_USTACK = at("ustack"), E_SNAP = E_USTACK + EventWire.US_SNAP;
    private static final long COMM_LEN = EVENT.select(MemoryLayout.PathElement.groupElement("comm")).byteSize();

    public static KernelEvent.Sequence decode(byte[] bytes) {
        // anomalies carry the used part of their stack; the other events end before it
        if (bytes.length < E_USTACK || bytes.length > EVENT.byteSize() || bytes.length > E_USTACK && bytes.length < E_SNAP) {
            throw new IllegalArgumentException("sequence event of " + bytes.length + " bytes");
        }
        boolean withStack = bytes.length >= E_SNAP;
        if (bytes.length < EVENT.byteSize()) bytes = java.util.Arrays.copyOf(bytes, (int) EVENT.byteSize());
        MemorySegment s = MemorySegment.ofArray(bytes);
        int type = s.get(I, E_TYPE), pid = s.get(I, E_PID), tgid = s.get(I, E_TGID), state = s.get(I, E_STATE);
        ProfileKey key = new ProfileKey(s.get(L, E_INO), s.get(I, E_DEV));
        int syscall = s.get(I, E_SYSCALL);
        long calls = s.get(L, E_CALLS), anomalies = s.get(L, E_ANOMALIES);
        int lfc = s.get(I, E_LFC), misses = s.get(I, E_MISSES), filled = s.get(I, E_FILLED);
        int[] window = new int[Math.min(filled, PREV)];
        for (int i = 0; i < window.length; i++) window[i] = s.get(S, E_WINDOW + 2L * i) & 0xffff;
        int end = (int) E_COMM, last = (int) (E_COMM + COMM_LEN);
        while (end < last && bytes[end] != 0) end++;
        String comm = new String(bytes, (int) E_COMM, end - (int) E_COMM, StandardCharsets.UTF_8);
        return switch (type) {
            case EV_ANOMALY -> new KernelEvent.Anomaly(pid, tgid, comm, key, syscall, window, misses, lfc, calls, anomalies, state, s.get(L, E_KTIME),
                    withStack ? EventWire.userStack(s, E_USTACK) : KernelEvent.UserStack.NONE);
            case EV_STATE -> new KernelEvent.StateChange(pid, tgid, comm, key, state, misses, syscall, calls, anomalies);
            case EV_PROFILE_NEW -> new KernelEvent.NewProfile(pid, tgid, comm, key);
            default -> throw new IllegalArgumentException("unknown sequence event type " + type);
        };
    }
}
