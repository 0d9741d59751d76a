package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import dev.vigil.sensor.SyscallHistogramSensor;
import dev.vigil.testing.Native;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Per-syscall overhead of vigil's histogram probe on a tight getppid loop, side by side
 * in one run with no probe and with an empty program on the same tracepoint (the floor).
 * Rounds are interleaved so drift hits every configuration alike; medians are reported.
 * Usage: bench/kernel-overhead.sh [calls-per-run] [rounds]
 */
public final class KernelOverheadBench {
    enum Config { NONE, FLOOR, VIGIL }

    public static void main(String[] args) throws Exception {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        List<List<Double>> results = new ArrayList<>();
        for (Config c : Config.values()) results.add(new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (Config c : Config.values()) results.get(c.ordinal()).add(measure(c, calls));
        }
        double none = median(results.get(0)), floor = median(results.get(1)), vigil = median(results.get(2));
        System.out.printf(Locale.ROOT, "getppid loop, %d calls x %d interleaved rounds (median ns/call)%n", calls, rounds);
        System.out.printf(Locale.ROOT, "  no probe                    %8.1f ns/call%n", none);
        System.out.printf(Locale.ROOT, "  empty program (floor)       %8.1f ns/call  (+%.1f ns)%n", floor, floor - none);
        System.out.printf(Locale.ROOT, "  vigil syscall histogram     %8.1f ns/call  (+%.1f ns)%n", vigil, vigil - none);
        System.out.printf(Locale.ROOT, "  vigil added / floor added   %8.2f x  (goal: <= 1.10)%n", (vigil - none) / (floor - none));
    }

    static double measure(Config c, long calls) throws Exception {
        Process p = new ProcessBuilder(Native.helper("getppid_loop").toString(), Long.toString(calls), "--wait", "--time")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BpfObject floor = null;
        SyscallHistogramSensor hist = null;
        try {
            switch (c) {
                case NONE -> { }
                case FLOOR -> {
                    floor = BpfObject.openResource(KernelOverheadBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").load();
                    floor.attach("vigil_floor");
                }
                case VIGIL -> hist = SyscallHistogramSensor.attach(p.pid());
            }
            return run(p);
        } finally {
            if (floor != null) floor.close();
            if (hist != null) hist.close();
        }
    }

    private static double run(Process p) throws IOException, InterruptedException {
        OutputStream in = p.getOutputStream();
        in.write('g');
        in.flush();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("getppid_loop failed");
        return Double.parseDouble(out);
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
