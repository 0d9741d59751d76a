package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.sensor.Sensor;
import dev.vigil.sensor.WorkloadSensor;
import dev.vigil.testing.Native;
import dev.vigil.workload.WorkloadProfiler;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Workload profiles' costs, side by side in one run.
 * overhead: ns added per call by workload.bpf.c (every dimension on, the agent's reader
 * draining) against the empty tp_btf program on sys_enter (the floor) and on sys_enter and
 * sys_exit (the floor of a probe that judges calls at exit), on a getppid loop (a call no
 * rule dispatches) and an open+close loop of one file (dispatched, hashed, found in the
 * seen map), interleaved rounds, medians.
 * items: user-space cost of one never-seen file item reaching the profiler, against the
 * size of the workload's file dimension (learning: learnt; stable: an alert built).
 * exec: the cost of one program start (fork, exec, exit) with the agent's exec and workload
 * probes, wall time and the kernel's BPF statistics per program.
 * Usage: bench/profiles.sh overhead [calls] [rounds] | items [sizes...] | exec [starts] [rounds]
 */
public final class ProfileBench {
    enum Config { NONE, FLOOR, FLOOR2, WORKLOAD }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("items")) {
            List<Integer> sizes = new java.util.ArrayList<>();
            for (int i = 1; i < args.length; i++) sizes.add(Integer.parseInt(args[i]));
            if (sizes.isEmpty()) sizes = List.of(100, 1000, 10_000);
            items(sizes);
            return;
        }
        if (args.length > 0 && args[0].equals("exec")) {
            exec(args.length > 1 ? Integer.parseInt(args[1]) : 2000, args.length > 2 ? Integer.parseInt(args[2]) : 5);
            return;
        }
        long calls = args.length > 1 ? Long.parseLong(args[1]) : 2_000_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        Path file = Files.writeString(Files.createTempFile("vigil-bench", ".conf"), "x");
        double[][] loop = new double[4][rounds], open = new double[4][rounds];
        long[] crossed = new long[1];
        for (int r = 0; r < rounds; r++) {
            for (Config c : Config.values()) {
                try (AutoCloseable probe = probe(c, crossed)) {
                    loop[c.ordinal()][r] = run(Native.helper("getppid_loop").toString(), Long.toString(calls));
                    open[c.ordinal()][r] = run(Native.helper("open_loop").toString(), Long.toString(calls / 4), file.toString());
                }
            }
        }
        Files.deleteIfExists(file);
        report(String.format(Locale.ROOT, "getppid loop, %d calls x %d interleaved rounds (median ns/call; no rule for getppid)", calls, rounds), loop, "ns/call");
        report(String.format(Locale.ROOT, "open+close of one file, %d pairs x %d rounds (median ns/pair: 2 calls, the open judged at exit)", calls / 4, rounds),
                open, "ns/pair");
        System.out.printf(Locale.ROOT, "  first sights that crossed to user space over all workload rounds: %d%n", crossed[0]);
    }

    static AutoCloseable probe(Config c, long[] crossed) {
        return switch (c) {
            case NONE -> () -> { };
            case FLOOR, FLOOR2 -> {
                BpfObject o = BpfObject.openResource(ProfileBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").disableProgram("vigil_floor");
                if (c == Config.FLOOR) o.disableProgram("vigil_floor_btf_exit");
                o.load();
                o.attach("vigil_floor_btf");
                if (c == Config.FLOOR2) o.attach("vigil_floor_btf_exit");
                yield o;
            }
            case WORKLOAD -> {
                WorkloadSensor w = Sensor.start(new WorkloadSensor(), SensorSettings.defaults());
                AtomicBoolean stop = new AtomicBoolean();
                Thread reader = Thread.ofPlatform().daemon().start(() -> {
                    while (!stop.get()) w.read(e -> crossed[0]++, 100);
                });
                yield () -> {
                    stop.set(true);
                    reader.join();
                    w.close();
                };
            }
        };
    }

    static double run(String... cmd) throws Exception {
        List<String> c = new java.util.ArrayList<>(List.of(cmd));
        c.addAll(List.of("--wait", "--time"));
        Process p = new ProcessBuilder(c).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        OutputStream in = p.getOutputStream();
        in.write('g');
        in.flush();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(cmd[0] + " failed");
        return Double.parseDouble(out);
    }

    static void report(String title, double[][] v, String unit) {
        double none = median(v[0]), floor = median(v[1]), floor2 = median(v[2]), w = median(v[3]);
        System.out.println(title);
        System.out.printf(Locale.ROOT, "  no probe                      %9.2f %s  (rounds %s)%n", none, unit, range(v[0]));
        System.out.printf(Locale.ROOT, "  empty tp_btf sys_enter        %9.2f %s  (+%.2f; rounds %s)%n", floor, unit, floor - none, range(v[1]));
        System.out.printf(Locale.ROOT, "  empty sys_enter + sys_exit    %9.2f %s  (+%.2f; rounds %s)%n", floor2, unit, floor2 - none, range(v[2]));
        System.out.printf(Locale.ROOT, "  workload profiles (all on)    %9.2f %s  (+%.2f; rounds %s)%n", w, unit, w - none, range(v[3]));
        double spread = (java.util.Arrays.stream(v[0]).max().orElse(0) - java.util.Arrays.stream(v[0]).min().orElse(0)) / 2;
        if (floor - none <= spread) {
            System.out.printf(Locale.ROOT, "  added / floor added              n/a  (the floor adds %.2f, within the no-probe rounds' half-range %.2f)%n", floor - none, spread);
        } else {
            System.out.printf(Locale.ROOT, "  added / sys_enter floor added %9.2f x%n", (w - none) / (floor - none));
            System.out.printf(Locale.ROOT, "  added / enter+exit floor added %8.2f x%n", (w - none) / (floor2 - none));
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    static String range(double[] v) {
        return String.format(Locale.ROOT, "%.2f..%.2f", java.util.Arrays.stream(v).min().orElse(0), java.util.Arrays.stream(v).max().orElse(0));
    }

    /**
     * The cost of one program start: a shell on CPU 1 runs /bin/true n times (fork, exec,
     * its calls, exit), with no probe and with the agent's exec and workload probes (their
     * readers draining on CPU 0), interleaved rounds; wall µs per start (median, and the
     * no-probe rounds' spread), and from the kernel's BPF statistics each vigil program's
     * own ns per run and the BPF ns per start in all.
     */
    static void exec(int n, int rounds) throws Exception {
        Path stats = Path.of("/proc/sys/kernel/bpf_stats_enabled");
        String was = Files.readString(stats).strip();
        Files.writeString(stats, "1");
        pin(0); // the whole JVM (the readers) on CPU 0, the start loop on CPU 1
        double[][] wall = new double[2][rounds];
        java.util.Map<String, long[]> runs = new java.util.TreeMap<>(); // name -> {ns, count}
        long[] events = new long[1];
        try {
            for (int r = 0; r < rounds; r++) {
                wall[0][r] = starts(n);
                dev.vigil.sensor.ExecSensor ex = Sensor.start(new dev.vigil.sensor.ExecSensor(), SensorSettings.defaults());
                WorkloadSensor w = Sensor.start(new WorkloadSensor().shareTasks(ex), SensorSettings.defaults());
                AtomicBoolean stop = new AtomicBoolean();
                Thread reader = Thread.ofPlatform().daemon().start(() -> {
                    while (!stop.get()) {
                        w.read(e -> events[0]++, 20);
                        ex.read(e -> events[0]++, 20);
                    }
                });
                try {
                    Thread.sleep(500); // the host's running processes take their slots first
                    var before = bpfStats();
                    wall[1][r] = starts(n);
                    var after = bpfStats();
                    after.forEach((name, v) -> {
                        long[] b = before.getOrDefault(name, new long[2]), acc = runs.computeIfAbsent(name, k -> new long[2]);
                        acc[0] += v[0] - b[0];
                        acc[1] += v[1] - b[1];
                    });
                } finally {
                    stop.set(true);
                    reader.join();
                    w.close();
                    ex.close();
                }
            }
        } finally {
            Files.writeString(stats, was);
        }
        double none = median(wall[0]), with = median(wall[1]);
        double spread = (java.util.Arrays.stream(wall[0]).max().orElse(0) - java.util.Arrays.stream(wall[0]).min().orElse(0)) / 2;
        System.out.printf(Locale.ROOT, "program starts (/bin/true from a shell on CPU 1), %d a round x %d interleaved rounds, median us per start%n", n, rounds);
        System.out.printf(Locale.ROOT, "  no probe                   %8.1f us  (rounds %s; half-range %.1f)%n", none, range(wall[0]), spread);
        System.out.printf(Locale.ROOT, "  exec + workload probes     %8.1f us  (+%.1f; rounds %s)%s%n", with, with - none, range(wall[1]),
                with - none <= spread ? "  (within the no-probe rounds' spread)" : "");
        long total = 0;
        System.out.println("  the kernel's BPF statistics over the probed rounds (each program's own time):");
        for (var e : runs.entrySet()) {
            long[] v = e.getValue();
            if (v[1] == 0) continue;
            total += v[0];
            System.out.printf(Locale.ROOT, "    %-22s %10d runs  %8.1f ns/run  %8.1f runs/start%n", e.getKey(), v[1], (double) v[0] / v[1], (double) v[1] / ((double) n * rounds));
        }
        System.out.printf(Locale.ROOT, "  BPF time per start, all vigil programs (also the host's other calls in those seconds): %.2f us%n", total / 1000.0 / ((double) n * rounds));
        System.out.printf(Locale.ROOT, "  events read: %d%n", events[0]);
    }

    /** Wall µs per /bin/true started n times by a shell pinned to CPU 1. */
    static double starts(int n) throws Exception {
        long t = System.nanoTime();
        Process p = new ProcessBuilder("taskset", "-c", "1", "/bin/sh", "-c", "i=0; while [ $i -lt " + n + " ]; do /bin/true; i=$((i+1)); done")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("the start loop failed");
        return (System.nanoTime() - t) / 1000.0 / n;
    }

    /** Pins every thread of this JVM to one CPU. */
    static void pin(int cpu) {
        try {
            new ProcessBuilder("taskset", "-a", "-pc", Integer.toString(cpu), Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (Exception e) {
            // unpinned
        }
    }

    /** run_time_ns and run_cnt of each loaded vigil program, by name (bpftool -j prog show). */
    static java.util.Map<String, long[]> bpfStats() throws Exception {
        Process p = new ProcessBuilder("bpftool", "-j", "prog", "show").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        java.util.Map<String, long[]> m = new java.util.HashMap<>();
        for (var prog : new com.fasterxml.jackson.databind.ObjectMapper().readTree(out)) {
            String name = prog.path("name").asText();
            if (!name.startsWith("vigil_")) continue;
            long[] v = m.computeIfAbsent(name, k -> new long[2]);
            v[0] += prog.path("run_time_ns").asLong();
            v[1] += prog.path("run_cnt").asLong();
        }
        return m;
    }

    /** User-space µs per new file item, by the size of the dimension it lands in. */
    static void items(List<Integer> sizes) {
        System.out.println("user-space cost of one never-seen file item (Observation, patterns, fan-out, dimension; stable: the alert too), 20,000 items a run,"
                + " median of 5 runs after 2 warm-up runs");
        for (int w = 0; w < 2; w++) for (int size : sizes) { itemCost(size, false, 20_000); itemCost(size, true, 20_000); }
        for (int size : sizes) {
            for (boolean stable : new boolean[] {false, true}) {
                double[] runs = new double[5];
                for (int r = 0; r < runs.length; r++) runs[r] = itemCost(size, stable, 20_000);
                System.out.printf(Locale.ROOT, "  %,7d items, %-8s  %7.2f us/item  (runs %s)%n", size, stable ? "stable" : "learning", median(runs), range(runs));
            }
        }
    }

    static double itemCost(int size, boolean stable, int n) {
        Instant t0 = Instant.parse("2026-11-24T00:00:00Z");
        KernelEvent.Who who = new KernelEvent.Who(90_000_001, 90_000_001, 1, 0, 0, dev.vigil.host.Cgroups.id("/"), "app");
        WorkloadProfiler p = new WorkloadProfiler(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(1), 1, Duration.ofDays(1),
                size + 2 * n + 10), Duration.ZERO, List.of(), new ProcessDescriber(new ProcessContext(), false), "h", s -> { });
        p.accept(new KernelEvent.Slot(who, 1, KernelEvent.Slot.NEW, "/nonexistent/bin/app", List.of("app"), false), t0);
        // distinct directories, so nothing collapses: size literal items
        for (int i = 0; i < size; i++) p.accept(item(who, "/srv/d" + Integer.toString(i, 36) + "x/file.conf"), t0);
        Instant at = t0.plusSeconds(10);
        if (stable) p.tick(at, s -> 1_000_000);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) p.accept(item(who, "/new/e" + Integer.toString(i, 36) + "y/other.conf"), at);
        return (System.nanoTime() - start) / 1000.0 / n;
    }

    static KernelEvent.Item item(KernelEvent.Who who, String path) {
        return new KernelEvent.Item(who, 1, KernelEvent.Item.FILE, 257, "openat", KernelEvent.Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16],
                path.hashCode(), path, "");
    }
}
