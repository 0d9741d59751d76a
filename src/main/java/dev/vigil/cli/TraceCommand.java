package dev.vigil.cli;

import dev.vigil.bpf.BpfException;
import dev.vigil.config.ConfigException;
import dev.vigil.config.TraceConfig;
import dev.vigil.config.Yaml;
import dev.vigil.event.SensorSettings;
import dev.vigil.follow.TraceOutput;
import dev.vigil.follow.TraceSession;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Stream events of the classic eBPF collectors until Ctrl-C, then print per-collector counts.",
                "Collectors: exec, unlink, risky, net, resource, syscalls, probes (default: exec unlink risky).",
                "probes: the config's custom probes (uprobes, USDT probes, tracepoints; docs/probes.md).",
                "  vigil trace exec risky --json",
                "  vigil trace --config probes.yaml",
                "  vigil trace --list-usdt /usr/bin/python3.11",
                "  vigil trace net --interface eth0 --period 5s",
                "  vigil trace --config vigil.yaml"})
final class TraceCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "COLLECTOR", description = "Collectors to run (overrides the config's list).")
    List<String> names = new ArrayList<>();

    @Option(names = "--config", description = "vigil.yaml: collectors, their settings and filters.")
    Path config;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Option(names = "--pid", description = "Only this process (a filter for exec, unlink, risky, resource; the process for syscalls).")
    Long pid;

    @Option(names = "--interface", description = "The network interface for net.")
    String iface;

    @Option(names = "--period", description = "Sampling period of net, resource and syscalls (e.g. 500ms, 2s).")
    String period;

    @Option(names = "--duration", description = "Stop after this many seconds (default: until Ctrl-C).")
    Integer duration;

    @Option(names = "--list-symbols", paramLabel = "BINARY", description = "Print the functions of an executable or library (for uprobe: lines) and exit.")
    String listSymbols;

    @Option(names = "--list-usdt", paramLabel = "BINARY", description = "Print the USDT probes of an executable or library (for usdt: lines) and exit.")
    String listUsdt;

    @picocli.CommandLine.Mixin MetricsOption metrics;

    private TraceConfig cfg;

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (listSymbols != null || listUsdt != null) return list();
        Map<String, SensorSettings> chosen = choose();
        metrics.check();
        if (duration != null && duration < 1) throw new UserError(ExitCodes.USAGE, "--duration must be at least 1");
        Privileges.require("trace");
        PrintStream out = System.out;
        TraceOutput fmt = new TraceOutput(json);
        try (ShutdownGuard guard = new ShutdownGuard();
             dev.vigil.alert.Metrics served = metrics.open("trace");
             TraceSession session = new TraceSession()) {
            guard.onStop(() -> stop = true);
            served.counter2("vigil_trace_events", "Events per collector: delivered (events), lost in the kernel (lost), and the collector's own counts",
                    "collector", "kind", session::counts);
            try {
                session.start(chosen, cfg != null ? cfg.probes() : List.of());
                System.err.printf("vigil: tracing with %s ...%n", String.join(", ", chosen.keySet()));
                session.run(fmt, out, () -> stop, duration == null ? null : java.time.Duration.ofSeconds(duration));
                stop = true;
                session.summary(System.err);
            } catch (BpfException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new UserError(ExitCodes.USAGE, e.getMessage());
            }
        }
        return ExitCodes.OK;
    }

    /** --list-symbols, --list-usdt: what a binary offers to probe. */
    private Integer list() {
        PrintStream out = System.out;
        for (String bin : new String[] {listSymbols, listUsdt}) {
            if (bin == null) continue;
            Path p = dev.vigil.config.ProbesConfig.find(bin);
            if (p == null) throw new UserError(ExitCodes.BAD_INPUT, "no such binary " + bin);
            dev.vigil.host.Elf elf;
            try {
                elf = dev.vigil.host.Elf.read(p.toRealPath());
            } catch (java.io.IOException e) {
                throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
            }
            if (bin.equals(listSymbols)) {
                for (var f : elf.functions()) {
                    out.println(json ? String.format(java.util.Locale.ROOT, "{\"function\":\"%s\",\"address\":\"0x%x\",\"size\":%d,\"file_offset\":\"0x%x\"}",
                            f.name(), f.address(), f.size(), f.fileOffset()) : String.format(java.util.Locale.ROOT, "%s:%s  0x%x %d", elf.path(), f.name(), f.fileOffset(), f.size()));
                }
                System.err.printf("vigil: %d functions in %s (uprobe: %s:FUNCTION)%n", elf.functions().size(), elf.path(), elf.path());
            }
            if (bin.equals(listUsdt)) {
                for (var u : elf.usdt()) {
                    out.println(json ? String.format(java.util.Locale.ROOT, "{\"provider\":\"%s\",\"name\":\"%s\",\"address\":\"0x%x\",\"semaphore\":\"0x%x\",\"args\":%d}",
                            u.provider(), u.name(), u.pc(), u.semaphore(), u.argSpecs().size())
                            : String.format(java.util.Locale.ROOT, "%s:%s:%s  args=%d %s%s", elf.path(), u.provider(), u.name(), u.argSpecs().size(),
                                    String.join(" ", u.argSpecs()), u.semaphore() != 0 ? " (semaphore)" : ""));
                }
                System.err.printf("vigil: %d USDT probe sites in %s (usdt: %s:PROVIDER:NAME)%n", elf.usdt().size(), elf.path(), elf.path());
            }
        }
        return ExitCodes.OK;
    }

    /** The collectors to run and their settings: config, then names, then options. */
    private Map<String, SensorSettings> choose() {
        if (config != null) {
            try {
                cfg = TraceConfig.load(config);
            } catch (ConfigException e) {
                throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
            }
        }
        SensorSettings base = cfg != null ? cfg.filters() : SensorSettings.defaults();
        List<String> list = !names.isEmpty() ? names : cfg != null ? List.copyOf(cfg.collectors().keySet()) : List.of("exec", "unlink", "risky");
        Map<String, SensorSettings> out = new LinkedHashMap<>();
        for (String n : list) {
            if (!TraceConfig.COLLECTORS.contains(n)) {
                throw new UserError(ExitCodes.USAGE, "unknown collector '" + n + "' (" + String.join(", ", TraceConfig.COLLECTORS) + ")");
            }
            SensorSettings s = cfg != null && cfg.collectors().containsKey(n) ? cfg.collectors().get(n) : base;
            if (pid != null) {
                if (pid < 1) throw new UserError(ExitCodes.USAGE, "--pid must be a process id");
                s = s.withPids(Set.of(pid.intValue())).withPid(pid);
            }
            if (iface != null) s = s.withIface(iface);
            if (period != null) {
                try {
                    s = s.withPeriod(Yaml.duration("--period", 0, "", period));
                } catch (ConfigException e) {
                    throw new UserError(ExitCodes.USAGE, e.getMessage());
                }
            }
            String where = cfg != null && cfg.lines().containsKey(n) ? cfg.file() + ":" + cfg.lines().get(n) + ": collectors." + n + ": " : "";
            if (n.equals("net") && s.iface() == null) throw new UserError(ExitCodes.USAGE, where + "net needs an interface (--interface IFACE or net.interface)");
            if (n.equals("probes") && (cfg == null || cfg.probes().isEmpty())) throw new UserError(ExitCodes.USAGE, "probes needs a config with a probes: list (--config FILE)");
            if (n.equals("syscalls") && s.pid() == null) throw new UserError(ExitCodes.USAGE, where + "syscalls needs a process (--pid PID or syscalls.pid)");
            out.put(n, s);
        }
        return out;
    }
}
