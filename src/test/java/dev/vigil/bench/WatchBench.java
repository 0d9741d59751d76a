package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import dev.vigil.sensor.SequenceSensor;
import dev.vigil.testing.Native;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * `watch` costs, side by side in one run. overhead: ns added per getppid call and per
 * fork+exec of /bin/true, by watch (whole host, profiles trained) vs the empty program on
 * the same tp_btf hook (the floor), interleaved rounds, medians. memory: kernel memory of
 * the profiles and pairs maps (bpftool's memlock, which counts what the maps hold) after
 * N distinct executables have run.
 * Usage: bench/watch.sh overhead [calls] [rounds] | bench/watch.sh memory [profiles...]
 */
public final class WatchBench {
    enum Config { NONE, FLOOR, WATCH }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("memory")) {
            List<Integer> counts = new ArrayList<>();
            for (int i = 1; i < args.length; i++) counts.add(Integer.parseInt(args[i]));
            if (counts.isEmpty()) counts = List.of(100, 1000);
            for (int n : counts) memory(n);
            return;
        }
        long calls = args.length > 1 ? Long.parseLong(args[1]) : 2_000_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int execs = 2000;
        double[][] loop = new double[3][rounds], fork = new double[3][rounds];
        for (int r = 0; r < rounds; r++) {
            for (Config c : Config.values()) {
                try (AutoCloseable probe = probe(c)) {
                    loop[c.ordinal()][r] = getppid(calls);
                    fork[c.ordinal()][r] = forkExec(execs);
                }
            }
        }
        report(String.format(Locale.ROOT, "getppid loop, %d calls x %d interleaved rounds (median ns/call)", calls, rounds), loop, "ns/call");
        report(String.format(Locale.ROOT, "fork + exec + exit of a static 6-call binary (seqwork 0 1), %d per run (median us/exec)", execs), fork, "us/exec");
    }

    static AutoCloseable probe(Config c) {
        return switch (c) {
            case NONE -> () -> { };
            case FLOOR -> {
                BpfObject o = BpfObject.openResource(WatchBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").disableProgram("vigil_floor").load();
                o.attach("vigil_floor_btf");
                yield o;
            }
            case WATCH -> {
                SequenceSensor s = SequenceSensor.open(new SequenceSensor.Settings(9, 1000, 100, 12, 4096, 65536, List.of()), e -> { });
                s.attach();
                yield s;
            }
        };
    }

    static void report(String title, double[][] v, String unit) {
        double none = median(v[0]), floor = median(v[1]), watch = median(v[2]);
        System.out.println(title);
        System.out.printf(Locale.ROOT, "  no probe                  %10.2f %s  (rounds %s)%n", none, unit, range(v[0]));
        System.out.printf(Locale.ROOT, "  empty tp_btf (floor)      %10.2f %s  (+%.2f; rounds %s)%n", floor, unit, floor - none, range(v[1]));
        System.out.printf(Locale.ROOT, "  vigil watch               %10.2f %s  (+%.2f; rounds %s)%n", watch, unit, watch - none, range(v[2]));
        double spread = (java.util.Arrays.stream(v[0]).max().orElse(0) - java.util.Arrays.stream(v[0]).min().orElse(0)) / 2;
        if (floor - none <= spread) {
            System.out.printf(Locale.ROOT, "  watch added / floor added        n/a   (the floor adds %.2f, within the no-probe rounds' half-range %.2f: not measurable)%n",
                    floor - none, spread);
        } else {
            System.out.printf(Locale.ROOT, "  watch added / floor added %10.2f x  (goal: <= 2)%n", (watch - none) / (floor - none));
        }
    }

    static String range(double[] v) {
        return String.format(Locale.ROOT, "%.2f..%.2f", java.util.Arrays.stream(v).min().orElse(0), java.util.Arrays.stream(v).max().orElse(0));
    }

    static double getppid(long calls) throws Exception {
        Process p = new ProcessBuilder(Native.helper("getppid_loop").toString(), Long.toString(calls), "--wait", "--time")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        OutputStream in = p.getOutputStream();
        in.write('g');
        in.flush();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("getppid_loop failed");
        return Double.parseDouble(out);
    }

    static double forkExec(int n) throws Exception {
        Process p = new ProcessBuilder(Native.helper("forkexec_loop").toString(), Integer.toString(n), Native.helper("seqwork").toString(), "0", "1")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("forkexec_loop failed");
        return Double.parseDouble(out);
    }

    static void memory(int n) throws Exception {
        Path dir = Files.createTempDirectory("vigil-mem");
        List<Path> exes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("exe" + i);
            Files.copy(Native.helper("seqwork"), p, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            exes.add(p);
        }
        List<dev.vigil.event.ProfileKey> keys = new ArrayList<>();
        for (Path p : exes) keys.add(dev.vigil.event.ProfileKey.of(p));
        try (SequenceSensor s = SequenceSensor.open(new SequenceSensor.Settings(9, 1_000_000, 1000, 12, 4096, 65536, keys), e -> { })) {
            s.attach();
            for (int i = 0; i < n; i++) {
                // each runs with its own pattern length so profiles differ a little: 41..
                Process p = new ProcessBuilder(exes.get(i).toString(), Integer.toString(i % 2), "50").start();
                p.waitFor();
            }
            while (s.poll(50) > 0) { }
            long profiles = memlock("profiles") + memlock("profile_ids") + memlock("profile_next"), pairs = memlock("pairs");
            long entries = s.profiles().stream().mapToLong(pr -> s.pairs(pr.key()).size()).sum();
            long ebph = (long) n * 2 * 450 * 450;
            System.out.printf(Locale.ROOT, "%d profiles: profile maps %,d B, pairs map %,d B (%d entries) = %,d B total, %,d B per profile; "
                    + "ebpH's flat 2 x 450 x 450 B per profile would be %,d B (%.0fx more)%n", s.profiles().size(), profiles, pairs, entries,
                    profiles + pairs, (profiles + pairs) / Math.max(1, n), ebph, (double) ebph / (profiles + pairs));
        } finally {
            for (Path p : exes) Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        }
    }

    /** bpftool's memlock for our loaded map of this name. */
    static long memlock(String name) throws Exception {
        Process p = new ProcessBuilder("bpftool", "-j", "map", "show").start();
        String json = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        var arr = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        long total = 0;
        for (var m : arr) if (name.equals(m.path("name").asText())) total += m.path("bytes_memlock").asLong();
        return total;
    }

    static double median(double[] v) {
        double[] a = v.clone();
        java.util.Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
