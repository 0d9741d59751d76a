package dev.vigil.sensor;

import dev.vigil.event.KernelEvent.SyscallSample;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.syscall.SyscallTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The foundation's per-process syscall histogram as a trace collector: every period, the
 * calls the process made in it, by name, most frequent first. Needs a pid.
 */
public final class SyscallsSensor extends PeriodicSensor {
    private final SyscallTable table = SyscallTable.host();
    private SyscallHistogramSensor histogram;
    private final long[] now = new long[SyscallHistogramSensor.MAX_SYSCALLS], before = new long[SyscallHistogramSensor.MAX_SYSCALLS];
    private long total;

    @Override
    public String name() { return "syscalls"; }

    @Override
    public String header() {
        return "syscalls: TIME CALLS PID TOTAL: NAME=COUNT ... (calls in the period, most frequent first), every "
                + settings.period().toMillis() / 1000.0 + " s";
    }

    @Override
    public void open() { }

    @Override
    public void configure(SensorSettings s) {
        if (s.pid() == null) throw new IllegalArgumentException("syscalls needs a process (--pid PID, or syscalls.pid in vigil.yaml)");
        super.configure(s);
    }

    @Override
    public void load() { }

    @Override
    public void attach() {
        histogram = SyscallHistogramSensor.attach(settings.pid());
        started();
    }

    @Override
    KernelEvent sample(double seconds) {
        histogram.read(now);
        List<Map.Entry<String, Long>> counts = new ArrayList<>();
        long sum = 0;
        for (int i = 0; i < now.length; i++) {
            long d = now[i] - before[i];
            if (d > 0) {
                counts.add(Map.entry(table.name(i), d));
                sum += d;
            }
        }
        System.arraycopy(now, 0, before, 0, now.length);
        counts.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        total += sum;
        return new SyscallSample(histogram.tgid(), seconds, counts, sum);
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("calls", total);
        m.put("lost", 0L);
        return m;
    }

    @Override
    public void close() {
        if (histogram != null) histogram.close();
    }
}
