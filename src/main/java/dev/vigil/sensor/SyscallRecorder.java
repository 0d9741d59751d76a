package dev.vigil.sensor;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.RingBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * record.bpf.c: every system call of chosen processes, in the order they entered the
 * kernel, and the forks, execs and exits of those processes. Processes forked by a
 * recorded one are recorded too (unless follow is off). Calls that find the ring buffer
 * full are lost and counted per process ({@link #lost(int)}).
 *
 * <p>Owns its BPF object and ring buffer; {@link #poll} and the {@link Listener} run on one
 * thread, the other methods may be called from it or after polling stopped. Needs Linux
 * 5.8+ with BTF-enabled tracepoints.
 */
public final class SyscallRecorder implements AutoCloseable {
    /** Receives the decoded events on the polling thread, in ring-buffer order. */
    public interface Listener {
        void call(int tgid, int tid, int nr);

        /** A call made inside probed functions (record --probes): in names them, innermost first. */
        default void call(int tgid, int tid, int nr, java.util.List<String> in) { call(tgid, tid, nr); }

        /** parent forked child (a new process, recorded from now on). */
        void fork(int parent, int child, String comm);

        /** tgid executed file; comm is the new program's. */
        void exec(int tgid, String comm, String file);

        /** tgid exited with a wait(2) status. */
        void exit(int tgid, int status);
    }

    private static final int RECORDING = 1, AWAIT_EXEC = 2;
    private static final String[] PROGRAMS = {"vigil_rec_enter", "vigil_rec_fork", "vigil_rec_exec", "vigil_rec_exit"};

    private final BpfObject object;
    private final RingBuffer ring;
    private final Listener listener;
    private final ProbeSensor probes;
    private long undecodable;
    /** Per thread, the frames of its last call inside probed functions and their names (most calls repeat them). */
    private final java.util.Map<Integer, Object[]> lastIn = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Integer, Object[]> e) { return size() > 4096; }
    };

    private SyscallRecorder(BpfObject object, Listener listener, ProbeSensor probes) {
        this.object = object;
        this.listener = listener;
        this.probes = probes;
        this.ring = new RingBuffer(object.map("events"), this::decode);
    }

    /**
     * Loads and attaches the recorder; nothing is recorded until {@link #add}.
     * @param ringBytes ring-buffer size, a power of two of at least one page
     */
    public static SyscallRecorder start(boolean follow, int ringBytes, Listener listener) {
        return start(follow, ringBytes, listener, null);
    }

    /**
     * {@link #start(boolean, int, Listener)} with custom probes (loaded and attached): each call made inside their
     * paired functions comes with them ({@link Listener#call(int, int, int, java.util.List)}), and the probes'
     * own events are read, and dropped, at each poll.
     */
    public static SyscallRecorder start(boolean follow, int ringBytes, Listener listener, ProbeSensor probes) {
        if (ringBytes < 4096 || Integer.bitCount(ringBytes) != 1) throw new IllegalArgumentException("ring buffer size must be a power of two >= 4096");
        BpfObject o = BpfObject.openResource(SyscallRecorder.class, "/dev/vigil/bpf/record.bpf.o");
        try {
            o.setGlobal("follow", follow ? 1 : 0).setMaxEntries("events", ringBytes);
            if (probes != null) o.setGlobal("with_frames", 1).reuseMap("probe_stacks", probes.stacksFd());
            else o.setMaxEntries("probe_stacks", 1);
            o.load();
            SyscallRecorder r = new SyscallRecorder(o, listener, probes);
            try {
                for (String p : PROGRAMS) o.attach(p);
            } catch (RuntimeException e) {
                r.ring.close();
                throw e;
            }
            return r;
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** Records tgid from its next call, or, with awaitExec, from its next exec on. */
    public void add(int tgid, boolean awaitExec) {
        try (Arena a = Arena.ofConfined()) {
            object.map("targets").update(a.allocateFrom(JAVA_INT, tgid), a.allocateFrom(JAVA_INT, awaitExec ? AWAIT_EXEC : RECORDING));
        }
    }

    /** Stops recording tgid (its later calls are not sent). */
    public void remove(int tgid) {
        try (Arena a = Arena.ofConfined()) {
            object.map("targets").delete(a.allocateFrom(JAVA_INT, tgid));
        }
    }

    /**
     * Waits up to timeoutMs for a wake-up, then hands every ready event to the listener
     * (calls are submitted without a wake-up until a quarter MiB waits, so this also drains
     * what came quietly); returns how many.
     */
    public int poll(int timeoutMs) {
        if (probes != null) probes.read(e -> { }, 0); // their entries name the frames; the ring must not fill
        return ring.poll(timeoutMs) + ring.consume();
    }

    /** Calls and events of tgid lost to a full ring buffer so far. */
    public long lost(int tgid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            return object.map("lost").lookup(a.allocateFrom(JAVA_INT, tgid), v) ? v.get(JAVA_LONG, 0) : 0;
        }
    }

    /** Events lost to a full ring buffer, all processes. */
    public long lostTotal() { return object.map("stats").lookupU64Sum(0); }

    /** Events sent by the kernel. */
    public long sent() { return object.map("stats").lookupU64Sum(1); }

    /** New processes not followed because the targets map was full. */
    public long notFollowed() { return object.map("stats").lookupU64Sum(2); }

    /** Calls of the kernel's uretprobe trampoline (a probed function returning, x86-64): not the program's, left out of the traces. */
    public long uretprobeCalls() { return object.map("stats").lookupU64Sum(4); }

    /** Records the listener threw on or that could not be decoded (a bug if not zero). */
    public long undecodable() { return undecodable + ring.sinkErrors(); }

    private void decode(byte[] b) {
        int type = EventWire.type(b);
        MemorySegment s = MemorySegment.ofArray(b);
        switch (type) {
            case EventWire.EV_REC_CALL -> {
                EventWire.expect(b, EventWire.REC_CALL);
                listener.call(s.get(EventWire.I, EventWire.REC_TGID), s.get(EventWire.I, EventWire.REC_TID), s.get(EventWire.I, EventWire.REC_NR));
            }
            case EventWire.EV_REC_CALL_IN -> {
                EventWire.expect(b, EventWire.REC_CALL_IN);
                int tgid = s.get(EventWire.I, EventWire.REC_TGID), tid = s.get(EventWire.I, EventWire.REC_TID);
                int n = Math.min(EventWire.CALL_FRAMES, s.get(EventWire.I, EventWire.REC_IN_NFRAMES));
                long[] raw = new long[2 * n];
                for (int k = 0; k < n; k++) {
                    long base = EventWire.REC_IN_FRAMES + k * EventWire.PROBE_FRAME.byteSize();
                    raw[2 * k] = s.get(EventWire.I, base);
                    raw[2 * k + 1] = s.get(EventWire.L, base + 8);
                }
                Object[] last = lastIn.get(tid);
                java.util.List<String> in;
                if (last != null && java.util.Arrays.equals((long[]) last[0], raw)) {
                    @SuppressWarnings("unchecked") java.util.List<String> l = (java.util.List<String>) last[1];
                    in = l;
                } else {
                    in = FrameNames.read(probes == null ? FrameNames.NONE : probes, s, EventWire.REC_IN_NFRAMES, EventWire.REC_IN_FRAMES, tgid);
                    lastIn.put(tid, new Object[] {raw, in});
                }
                listener.call(tgid, tid, s.get(EventWire.I, EventWire.REC_NR), in);
            }
            case EventWire.EV_REC_FORK, EventWire.EV_REC_EXEC, EventWire.EV_REC_EXIT -> {
                EventWire.expect(b, EventWire.REC_PROC);
                int tgid = s.get(EventWire.I, EventWire.REC_PROC_TGID);
                String comm = EventWire.string(s, EventWire.REC_PROC_COMM, EventWire.COMM_LEN);
                switch (type) {
                    case EventWire.EV_REC_FORK -> listener.fork(tgid, s.get(EventWire.I, EventWire.REC_OTHER), comm);
                    case EventWire.EV_REC_EXEC -> listener.exec(tgid, comm, EventWire.string(s, EventWire.REC_FILENAME, EventWire.PATH_MAX));
                    default -> listener.exit(tgid, s.get(EventWire.I, EventWire.REC_EXIT_CODE));
                }
            }
            default -> undecodable++;
        }
    }

    @Override
    public void close() {
        try {
            ring.close();
        } finally {
            object.close();
        }
    }
}
