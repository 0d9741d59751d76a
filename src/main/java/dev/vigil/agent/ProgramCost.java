package dev.vigil.agent;

import dev.vigil.bpf.ProgramStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What each loaded vigil BPF program costs over a few seconds on the live host (vigil cost):
 * the kernel's statistics turned on for the measure, each program's runs a second, own ns
 * per run and share of one CPU.
 */
public final class ProgramCost {
    /** One program over the measure (programs: how many loaded programs share its name). */
    public record Row(String program, int programs, double runsPerSecond, double nsPerRun, double cpuPercent) {}

    /** The rows of every program that ran, and the seconds measured. */
    public record Measure(double seconds, List<Row> rows) {
        public double cpuPercent() { return rows.stream().mapToDouble(Row::cpuPercent).sum(); }
        public double runsPerSecond() { return rows.stream().mapToDouble(Row::runsPerSecond).sum(); }
    }

    private ProgramCost() {}

    /** Measures for seconds; empty when no vigil program is loaded. Needs root. */
    public static java.util.Optional<Measure> measure(int seconds) throws Exception {
        try (AutoCloseable on = ProgramStats.enable()) {
            Map<String, ProgramStats.Totals> before = ProgramStats.vigil();
            if (before.isEmpty()) return java.util.Optional.empty();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            Map<String, ProgramStats.Totals> after = ProgramStats.vigil();
            long elapsed = System.nanoTime() - t0;
            double secs = elapsed / 1e9;
            List<Row> rows = new ArrayList<>();
            for (var e : after.entrySet()) {
                ProgramStats.Totals a = e.getValue(), b = before.getOrDefault(e.getKey(), new ProgramStats.Totals(0, 0, 0));
                long ns = a.runNs() - b.runNs(), runs = a.runs() - b.runs();
                if (runs > 0) rows.add(new Row(e.getKey(), a.programs(), runs / secs, (double) ns / runs, 100.0 * ns / elapsed));
            }
            return java.util.Optional.of(new Measure(secs, rows));
        }
    }
}
