package dev.vigil.cli;

import dev.vigil.demo.AttackDemo;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The main job on a built-in default: a service learnt, watched unchanged, attacked; each step named. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job on a built-in default: a small web service of vigil's own (with a command-injection",
                "flaw) runs under steady traffic in a cgroup of its own; the agent learns its workload profile until",
                "stable, watches it run unchanged, then the service is attacked in steps, each named by an alert;",
                "a summary at the end. evilsocket's autoencoder pipeline demo is `vigil demo-autoencoder`."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--normal-seconds", defaultValue = "20", description = "Unchanged traffic watched after learning (default: ${DEFAULT-VALUE}).")
    int normalSeconds;

    @Option(names = "--max-learn", defaultValue = "60", description = "Give up when the profile is not stable after this many seconds (default: ${DEFAULT-VALUE}).")
    int maxLearn;

    @Override
    public Integer call() throws Exception {
        if (normalSeconds < 1 || maxLearn < 5) throw new UserError(ExitCodes.USAGE, "--normal-seconds must be >= 1 and --max-learn >= 5");
        Privileges.require("demo");
        AttackDemo.Result r;
        try (ShutdownGuard guard = new ShutdownGuard(); AttackDemo demo = new AttackDemo(System.out)) {
            r = demo.run(Duration.ofSeconds(maxLearn), normalSeconds);
        } catch (IllegalStateException e) {
            throw new UserError(ExitCodes.CHECK_FAILED, "demo: " + e.getMessage());
        }
        System.out.println();
        System.out.println("summary");
        System.out.printf(Locale.ROOT, "  learning                %.1f s, %d items learnt (programs, files, endpoints, system calls)%n", r.learning().toMillis() / 1000.0, r.learnt());
        System.out.printf(Locale.ROOT, "  unchanged traffic       %d false alarms in %d s%n", r.falseAlarms(), r.normalSeconds());
        int detected = 0;
        for (AttackDemo.StepResult s : r.steps()) {
            if (s.detected()) detected++;
            System.out.printf(Locale.ROOT, "  %-55s %s%n", s.step().what(), s.detected()
                    ? s.alerts().size() + " alert" + (s.alerts().size() == 1 ? "" : "s") + ", first after " + s.firstAlert().toMillis() + " ms" : "NOT DETECTED");
        }
        System.out.printf("  result                  %d of %d attack steps named by an alert, %d false alarms%n", detected, r.steps().size(), r.falseAlarms());
        return detected == r.steps().size() && r.falseAlarms() == 0 ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
}
