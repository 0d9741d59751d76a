package dev.vigil.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** What vigil's BPF programs cost on this host now, from the kernel's own statistics. */
@Command(name = "cost", mixinStandardHelpOptions = true,
        description = {"What each loaded vigil BPF program (the agent's, any vigil's) costs on this host now: the kernel's",
                "statistics are turned on for the measure (BPF_ENABLE_STATS) and each program's own time per run,",
                "runs a second and share of one CPU are printed.",
                "  vigil cost --seconds 10"})
final class CostCommand implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "5", description = "How long to measure (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 3600) throw new UserError(ExitCodes.USAGE, "--seconds must be 1 to 3600");
        Privileges.require("cost");
        java.util.Optional<dev.vigil.agent.ProgramCost.Measure> m;
        try {
            m = dev.vigil.agent.ProgramCost.measure(seconds);
        } catch (dev.vigil.bpf.BpfException e) {
            throw new UserError(ExitCodes.BPF_ERROR, "cannot read the BPF programs' statistics: " + e.getMessage());
        }
        if (m.isEmpty()) throw new UserError(ExitCodes.ERROR, "no vigil BPF program is loaded (start the agent, then measure it)");
        var r = m.get();
        System.out.printf("vigil cost: each vigil BPF program over %.1f s (the kernel's statistics, on for the measure)%n", r.seconds());
        System.out.printf("  %-24s %12s %10s %9s%n", "program", "runs/s", "ns/run", "CPU %");
        for (var row : r.rows()) {
            System.out.printf("  %-24s %12.0f %10.1f %9.3f%n", row.program() + (row.programs() > 1 ? " (x" + row.programs() + ")" : ""), row.runsPerSecond(),
                    row.nsPerRun(), row.cpuPercent());
        }
        if (r.rows().isEmpty()) System.out.println("  (no program ran: nothing happened on the host, or the programs are not attached)");
        System.out.printf("  %-24s %12.0f %10s %9.3f   (of one CPU)%n", "all", r.runsPerSecond(), "", r.cpuPercent());
        return ExitCodes.OK;
    }
}
