package dev.vigil.agent;

import dev.vigil.alert.Metrics;
import dev.vigil.config.AgentConfig;
import dev.vigil.detect.sequence.PhMachine;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.sequence.SequenceDetector;
import dev.vigil.sequence.SequenceReplay;
import dev.vigil.source.ReplaySource;
import dev.vigil.syscall.SyscallTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Replays a folder of `vigil record` traces through the sequence detector's Java twin, from
 * empty profiles, into the same alerts, bursts, limits and outputs as live (alert times are
 * the replay's). Needs no privileges; loads and saves no state.
 */
final class TraceReplay {
    private TraceReplay() {}

    static ReplaySource.Summary run(AgentConfig config, PrintStream log, Delivery out, Path dir, Metrics metrics) throws IOException {
        AgentConfig.Sequence s = config.sequence();
        if (s == null || !s.enabled()) throw new IllegalArgumentException("--replay needs the sequence detector (detectors.sequence.enabled: true)");
        out.pipeline().register(metrics);
        SequenceDetector alerts = new SequenceDetector(config.host(), SyscallTable.host(), new ProcessDescriber(new ProcessContext(), false), s.tolerizeLimit(),
                s.stableCalls(), s.burst(), s.alertFrame(), out.filter()::passes, out.pipeline()::publish);
        Set<String> only = new HashSet<>();
        for (Path p : s.exe()) only.add(p.toAbsolutePath().normalize().toString());
        SequenceReplay r = new SequenceReplay(new PhMachine.Settings(s.window(), s.minCalls(), s.stableCalls(), s.tolerizeLimit()), only,
                alerts.paths(), alerts::accept);
        ReplaySource.Summary sum = ReplaySource.replay(dir, r);
        alerts.due(null);
        var profiles = r.machine().profiles();
        log.printf("vigil: replayed %d process%s, %,d calls from %s: %d profiles (%d normal)%n", sum.processes(), sum.processes() == 1 ? "" : "es",
                sum.calls(), dir, profiles.size(), profiles.values().stream().filter(p -> p.state() == PhMachine.NORMAL).count());
        out.summary();
        return sum;
    }
}
