package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import dev.vigil.event.SensorSettings;
import dev.vigil.sensor.ExecSensor;
import dev.vigil.sensor.ResourceSensor;
import dev.vigil.sensor.RiskySensor;
import dev.vigil.sensor.Sensor;
import dev.vigil.sensor.UnlinkSensor;
import java.util.List;
import java.util.Locale;

/**
 * What `vigil trace` collectors cost a getppid loop, side by side in one run: none, the
 * empty tp_btf program (floor), resource (on every syscall and switch), and exec + unlink +
 * risky together (their tracepoints never fire for getppid, so they should cost nothing).
 * Interleaved rounds, medians. Usage: bench/trace.sh [calls] [rounds]
 */
public final class TraceBench {
    enum Config { NONE, FLOOR, RESOURCE, EVENTS }

    public static void main(String[] args) throws Exception {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        double[][] v = new double[Config.values().length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (Config c : Config.values()) {
                List<AutoCloseable> probes = probes(c);
                try {
                    v[c.ordinal()][r] = WatchBench.getppid(calls);
                } finally {
                    for (AutoCloseable p : probes) p.close();
                }
            }
        }
        double none = WatchBench.median(v[0]), floor = WatchBench.median(v[1]);
        System.out.printf(Locale.ROOT, "getppid loop, %d calls x %d interleaved rounds (median ns/call)%n", calls, rounds);
        for (Config c : Config.values()) {
            double m = WatchBench.median(v[c.ordinal()]);
            System.out.printf(Locale.ROOT, "  %-28s %8.2f ns/call  (+%.2f; %.2fx the floor's added cost)%n", label(c), m, m - none,
                    (m - none) / (floor - none));
        }
    }

    static String label(Config c) {
        return switch (c) {
            case NONE -> "no probe";
            case FLOOR -> "empty tp_btf (floor)";
            case RESOURCE -> "trace resource";
            case EVENTS -> "trace exec unlink risky";
        };
    }

    static List<AutoCloseable> probes(Config c) {
        SensorSettings s = SensorSettings.defaults();
        return switch (c) {
            case NONE -> List.of();
            case FLOOR -> {
                BpfObject o = BpfObject.openResource(TraceBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").disableProgram("vigil_floor").load();
                o.attach("vigil_floor_btf");
                yield List.of(o);
            }
            case RESOURCE -> List.of(Sensor.start(new ResourceSensor(), s));
            case EVENTS -> List.of(Sensor.start(new ExecSensor(), s), Sensor.start(new UnlinkSensor(), s),
                    Sensor.start(new RiskySensor(), s));
        };
    }
}
