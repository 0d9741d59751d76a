package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.ProgramStats;
import dev.vigil.event.ProbeSpec;
import dev.vigil.event.SensorSettings;
import dev.vigil.host.Elf;
import dev.vigil.sensor.ProbeSensor;
import dev.vigil.sensor.Sensor;
import dev.vigil.testing.Native;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cost per hit of a custom probe, side by side in one run: probe_loop.c calls a noinline
 * function (or passes a USDT probe) N times on CPU 1, with nothing attached, with an empty
 * uprobe at the same place (the floor every uprobe pays: the trap into the kernel), and with
 * vigil's probe (one int argument captured, an event per hit, read and decoded by this JVM on
 * CPU 0). Rounds are interleaved; medians and the spread of the no-probe rounds are printed.
 * A last round per probe with the kernel's BPF statistics on gives each program's own ns per
 * run (kept apart: the statistics add two clock reads per run).
 * Usage: bench/probes.sh [calls-per-run=500000] [rounds=5]
 */
public final class ProbeBench {
    enum Config {
        FN_NONE("function, no probe"), FN_FLOOR("function, empty uprobe"), FN_VIGIL("function, vigil uprobe"),
        FN_PAIR("function, vigil uprobe+uretprobe"), USDT_NONE("USDT, no probe"), USDT_FLOOR("USDT, empty uprobe"), USDT_VIGIL("USDT, vigil probe");

        final String words;

        Config(String words) { this.words = words; }

        boolean usdt() { return name().startsWith("USDT"); }
    }

    public static void main(String[] args) throws Exception {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 500_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path exe = Native.helper("probe_loop");
        Elf elf = Elf.read(exe);
        long fnOffset = elf.function("vigil_b_fn").orElseThrow().fileOffset();
        long usdtOffset = elf.fileOffset(elf.usdt("vigilbench", "tick").getFirst().pc());
        Map<Config, List<Double>> results = new LinkedHashMap<>();
        for (Config c : Config.values()) results.put(c, new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (Config c : Config.values()) results.get(c).add(measure(c, exe, fnOffset, usdtOffset, calls, null));
        }
        Map<Config, String> own = new LinkedHashMap<>();
        try (AutoCloseable stats = ProgramStats.enable()) {
            for (Config c : List.of(Config.FN_FLOOR, Config.FN_VIGIL, Config.FN_PAIR, Config.USDT_FLOOR, Config.USDT_VIGIL)) {
                Map<String, ProgramStats.Totals> t = new LinkedHashMap<>();
                measure(c, exe, fnOffset, usdtOffset, calls, t);
                StringBuilder sb = new StringBuilder();
                t.forEach((name, v) -> {
                    if (v.runs() > 0) sb.append(String.format(Locale.ROOT, "%s %.0f ns/run (%,d runs)  ", name, v.nsPerRun(), v.runs()));
                });
                own.put(c, sb.toString().strip());
            }
        }
        System.out.printf(Locale.ROOT, "custom probes: %,d calls x %d interleaved rounds, loop on CPU 1, vigil's reader on CPU 0 (median ns per call)%n",
                calls, rounds);
        for (boolean usdt : new boolean[] {false, true}) {
            Config none = usdt ? Config.USDT_NONE : Config.FN_NONE, floor = usdt ? Config.USDT_FLOOR : Config.FN_FLOOR;
            double n = median(results.get(none)), f = median(results.get(floor));
            List<Double> nr = results.get(none);
            System.out.printf(Locale.ROOT, "  %-34s %9.1f ns   (rounds %.1f .. %.1f)%n", none.words, n, min(nr), max(nr));
            for (Config c : Config.values()) {
                if (c.usdt() != usdt || c == none) continue;
                double m = median(results.get(c));
                List<Double> cr = results.get(c);
                System.out.printf(Locale.ROOT, "  %-34s %9.1f ns   +%.1f ns per hit%s   (rounds %.1f .. %.1f)%n", c.words, m, m - n,
                        c == floor ? "" : String.format(Locale.ROOT, ", %.2f x the empty uprobe's, +%.1f ns above it", (m - n) / (f - n), m - f),
                        min(cr), max(cr));
                if (own.containsKey(c) && !own.get(c).isEmpty()) System.out.printf(Locale.ROOT, "  %-34s   BPF statistics: %s%n", "", own.get(c));
            }
        }
    }

    /** One run of probe_loop under c: its mean ns per iteration; stats, when given, gets each program's totals. */
    static double measure(Config c, Path exe, long fnOffset, long usdtOffset, long calls, Map<String, ProgramStats.Totals> stats) throws Exception {
        BpfObject floor = null;
        ProbeSensor probes = null;
        Thread reader = null;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong events = new AtomicLong();
        try {
            switch (c) {
                case FN_FLOOR, USDT_FLOOR -> {
                    floor = BpfObject.openResource(ProbeBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").load();
                    floor.attachUprobe("vigil_floor_uprobe", exe.toString(), c == Config.FN_FLOOR ? fnOffset : usdtOffset, false, -1, 0);
                }
                case FN_VIGIL, FN_PAIR, USDT_VIGIL -> {
                    ProbeSpec.Target entry = c == Config.USDT_VIGIL
                            ? new ProbeSpec.Target(ProbeSpec.Kind.USDT, exe.toString(), 0, "", "vigilbench", "tick")
                            : new ProbeSpec.Target(ProbeSpec.Kind.UPROBE, exe.toString(), fnOffset, "vigil_b_fn", "", "");
                    ProbeSpec.Target ret = c == Config.FN_PAIR ? new ProbeSpec.Target(ProbeSpec.Kind.URETPROBE, exe.toString(), fnOffset, "vigil_b_fn", "", "") : null;
                    ProbeSpec spec = new ProbeSpec("bench", entry, ret, List.of(new ProbeSpec.Arg(0, ProbeSpec.Type.LONG, -1, "i")), Set.of(), Set.of(),
                            Set.of(), Set.of(), List.of(), -1, true, false, null, "bench");
                    probes = Sensor.start(new ProbeSensor(List.of(spec)), SensorSettings.defaults());
                    ProbeSensor p = probes;
                    reader = Thread.ofPlatform().start(() -> {
                        while (!stop.get()) p.read(e -> events.incrementAndGet(), 50);
                        while (p.read(e -> events.incrementAndGet(), 0) > 0) { }
                    });
                }
                default -> { }
            }
            Process p = new ProcessBuilder("taskset", "-c", "1", exe.toString(), c.usdt() ? "usdt" : "fn", Long.toString(calls))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().write('g');
            p.getOutputStream().flush();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("probe_loop failed: " + out);
            if (stats != null) {
                List<BpfObject> objects = new ArrayList<>();
                if (floor != null) objects.add(floor);
                if (probes != null) probes.bpf().ifPresent(objects::add);
                stats.putAll(ProgramStats.of(objects));
            }
            return Double.parseDouble(out.split(" ")[0]);
        } finally {
            stop.set(true);
            if (reader != null) reader.join();
            if (probes != null) {
                long lost = probes.counts().getOrDefault("lost", 0L);
                if (lost > 0) System.err.printf("(%s: %,d events lost by the ring, %,d read)%n", c.words, lost, events.get());
                probes.close();
            }
            if (floor != null) floor.close();
        }
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static double min(List<Double> v) { return v.stream().mapToDouble(Double::doubleValue).min().orElse(0); }

    static double max(List<Double> v) { return v.stream().mapToDouble(Double::doubleValue).max().orElse(0); }
}
