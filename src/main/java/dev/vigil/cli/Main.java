package dev.vigil.cli;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.BpfFeatureMissingException;
import dev.vigil.bpf.LibbpfLog;
import dev.vigil.config.ConfigException;
import dev.vigil.host.Procfs;
import dev.vigil.store.ModelFile;
import dev.vigil.trace.ActivityCsv;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** vigil's command line. Turns every failure into one line on stderr and a named exit code. */
@Command(name = "vigil", mixinStandardHelpOptions = true, version = "vigil " + Main.VERSION,
        description = "Process-behaviour anomaly detection for Linux, built on eBPF.",
        subcommands = {AgentCommand.class, WorkloadsCommand.class, FleetCommand.class, DemoCommand.class, AutoencoderDemoCommand.class, LearnCommand.class, TrainCommand.class, RunCommand.class, WatchCommand.class, ProfilesCommand.class, TraceCommand.class, RecordCommand.class, MonitorCommand.class, EvaluateCommand.class, DoctorCommand.class, CostCommand.class, ExplainCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static final String VERSION = "0.1.0";

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces and libbpf messages.")
    void setVerbose(boolean v) {
        verbose = v;
        if (v) LibbpfLog.setVerbose(true);
    }

    static boolean verbose;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (agent, workloads, fleet, demo, learn, train, run, watch, profiles, trace, record, monitor, evaluate, doctor)");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs vigil with args and returns the exit code (used by main and by tests). */
    public static int execute(String... args) {
        verbose = false;
        CommandLine cl = new CommandLine(new Main());
        cl.getSubcommands().get("record").setStopAtPositional(true); // vigil record ls -l: -l is the command's
        cl.getSubcommands().get("monitor").setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String cmd = ex.getCommandLine().getCommandName();
            err.println("vigil: " + ex.getMessage().lines().findFirst().orElse("bad arguments")
                    + " (see: vigil " + ("vigil".equals(cmd) ? "" : cmd + " ") + "--help)");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            int code = exitCode(ex);
            c.getErr().println("vigil: " + message(ex));
            if (ex instanceof BpfException b && !b.verifierLog().isBlank()) {
                c.getErr().println(verbose ? b.verifierLog() : "(the verifier log is shown with --verbose)");
            }
            if (verbose) ex.printStackTrace(c.getErr());
            return code;
        });
        return cl.execute(args);
    }

    static int exitCode(Throwable ex) {
        return switch (ex) {
            case UserError u -> u.exitCode;
            case Procfs.NoSuchProcessException n -> ExitCodes.NO_SUCH_PROCESS;
            case ModelFile.InvalidModelException m -> ExitCodes.BAD_INPUT;
            case ActivityCsv.FormatException f -> ExitCodes.BAD_INPUT;
            case dev.vigil.trace.TraceFormat.FormatException f -> ExitCodes.BAD_INPUT;
            case dev.vigil.config.ConfigException c -> ExitCodes.BAD_INPUT;
            case dev.vigil.source.TargetException t -> ExitCodes.USAGE;
            case BpfFeatureMissingException f -> ExitCodes.KERNEL_FEATURE;
            case BpfException b when b.isPermissionDenied() -> ExitCodes.NO_PRIVILEGE;
            case BpfException b -> ExitCodes.BPF_ERROR;
            default -> ExitCodes.ERROR;
        };
    }

    static String message(Throwable ex) {
        String m = ex.getMessage();
        if (ex instanceof BpfException b && b.isPermissionDenied()) {
            return m + " (run vigil as root, or with CAP_BPF + CAP_PERFMON)";
        }
        if (m == null || m.isBlank() || !(ex instanceof RuntimeException) || ex.getClass() == RuntimeException.class
                || ex instanceof NullPointerException || ex instanceof IllegalStateException) {
            m = ex.getClass().getSimpleName() + (m == null ? "" : ": " + m) + (verbose ? "" : " (rerun with --verbose for details)");
        }
        return m.lines().findFirst().orElse(m);
    }
}
