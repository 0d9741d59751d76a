package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import dev.vigil.sensor.SyscallRecorder;
import dev.vigil.testing.Native;
import dev.vigil.trace.TraceFolder;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What `vigil record` costs a process it records, side by side in one run on a getppid
 * loop: no probe, the empty tp_btf program (floor), record loaded but recording another
 * process (what every other process pays), record recording the loop (every call through
 * the ring buffer into a trace file), and strace -f writing to /dev/null (ptrace, the usual
 * way to get the same trace; on calls/20, as it is about 1000 times slower). Interleaved rounds, medians. Usage: bench/record.sh [calls] [rounds]
 */
public final class RecordBench {
    enum Config { NONE, FLOOR, RECORD_OTHER, RECORD, STRACE }

    public static void main(String[] args) throws Exception {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        double[][] v = new double[Config.values().length][rounds];
        long[] recorded = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            for (Config c : Config.values()) {
                v[c.ordinal()][r] = switch (c) {
                    case NONE -> WatchBench.getppid(calls);
                    case FLOOR -> {
                        try (BpfObject o = BpfObject.openResource(RecordBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").disableProgram("vigil_floor").load()) {
                            o.attach("vigil_floor_btf");
                            yield WatchBench.getppid(calls);
                        }
                    }
                    case RECORD_OTHER -> {
                        try (SyscallRecorder rec = SyscallRecorder.start(false, 16 << 20, new Discard())) {
                            rec.add((int) ProcessHandle.current().pid(), false); // the bench's own process (the loop is not followed)
                            yield WatchBench.getppid(calls);
                        }
                    }
                    case RECORD -> {
                        long[] n = new long[1];
                        double ns = recorded(calls, n);
                        recorded[r] = n[0];
                        yield ns;
                    }
                    case STRACE -> strace(Math.max(1000, calls / 20)); // ptrace is ~1000x slower: fewer calls, same per-call mean
                };
            }
        }
        double none = WatchBench.median(v[0]), floor = WatchBench.median(v[1]);
        System.out.printf(Locale.ROOT, "getppid loop, %d calls x %d interleaved rounds (median ns/call)%n", calls, rounds);
        for (Config c : Config.values()) {
            double m = WatchBench.median(v[c.ordinal()]);
            System.out.printf(Locale.ROOT, "  %-34s %9.2f ns/call  (+%.2f; %.2fx the floor's added cost)%n", label(c), m, m - none,
                    (m - none) / (floor - none));
        }
        double rec = WatchBench.median(v[Config.RECORD.ordinal()]) - none, st = WatchBench.median(v[Config.STRACE.ordinal()]) - none;
        System.out.printf(Locale.ROOT, "  strace adds %.1fx what vigil record adds; calls written by record per round: %s%n", st / rec,
                java.util.Arrays.toString(recorded));
    }

    static String label(Config c) {
        return switch (c) {
            case NONE -> "no probe";
            case FLOOR -> "empty tp_btf (floor)";
            case RECORD_OTHER -> "record loaded, another process";
            case RECORD -> "record, this process, to a file";
            case STRACE -> "strace -f -o /dev/null";
        };
    }

    /** The loop recorded into a trace file by a polling thread; n[0] = calls written. */
    static double recorded(long calls, long[] n) throws Exception {
        Path dir = Files.createTempDirectory("vigil-recbench");
        try (TraceFolder traces = new TraceFolder(dir)) {
            Listener l = new Listener(traces);
            try (SyscallRecorder rec = SyscallRecorder.start(true, 16 << 20, l)) {
                Process p = new ProcessBuilder(Native.helper("getppid_loop").toString(), Long.toString(calls), "--wait", "--time")
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                traces.begin((int) p.pid(), 0, "getppid_loop", "bench");
                rec.add((int) p.pid(), false);
                Thread poller = Thread.ofPlatform().start(() -> {
                    while (!l.done) rec.poll(100);
                    while (rec.poll(0) > 0) { }
                });
                OutputStream in = p.getOutputStream();
                in.write('g');
                in.flush();
                String out = new String(p.getInputStream().readAllBytes()).strip();
                if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("getppid_loop failed");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!l.done && System.nanoTime() < deadline) Thread.sleep(10);
                l.done = true;
                poller.join();
                n[0] = l.calls;
                if (rec.lostTotal() > 0) System.err.println("record bench: " + rec.lostTotal() + " calls lost");
                return Double.parseDouble(out);
            }
        } finally {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }

    static double strace(long calls) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", "/dev/null", Native.helper("getppid_loop").toString(),
                Long.toString(calls), "--time"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("strace failed (is it installed?)");
        return Double.parseDouble(out);
    }

    /** Writes the loop's calls to its trace; done at its exit. */
    static final class Listener implements SyscallRecorder.Listener {
        final TraceFolder traces;
        volatile boolean done;
        long calls;

        Listener(TraceFolder traces) { this.traces = traces; }

        @Override public void call(int tgid, int tid, int nr) {
            if (traces.isOpen(tgid)) {
                traces.call(tgid, nr);
                calls++;
            }
        }
        @Override public void fork(int parent, int child, String comm) { }
        @Override public void exec(int tgid, String comm, String file) { }
        @Override public void exit(int tgid, int status) {
            traces.finish(tgid, "exit", 0);
            done = true;
        }
    }

    static final class Discard implements SyscallRecorder.Listener {
        @Override public void call(int tgid, int tid, int nr) { }
        @Override public void fork(int parent, int child, String comm) { }
        @Override public void exec(int tgid, String comm, String file) { }
        @Override public void exit(int tgid, int status) { }
    }
}
