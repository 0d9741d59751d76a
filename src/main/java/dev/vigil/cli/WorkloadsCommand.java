package dev.vigil.cli;

import dev.vigil.agent.AgentConfig;
import dev.vigil.model.ModelFile;
import dev.vigil.profile.AllowRequests;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "workloads", mixinStandardHelpOptions = true,
        description = {"The agent's workload profiles (saved in STATE/workloads.json), and allowing what they flagged.",
                "  vigil workloads                                   list the workloads, their state and size",
                "  vigil workloads show 'KEY'                        every item learnt, per dimension",
                "  vigil workloads allow 'KEY' process 'ITEM'        learn an item (a running agent applies it within a second)",
                "Alerts carry the exact allow command in their evidence."})
final class WorkloadsCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "list", description = "list, show or allow (default: ${DEFAULT-VALUE}).")
    String action;

    @Parameters(index = "1..*", arity = "0..*", description = "show: KEY; allow: KEY DIMENSION ITEM.")
    List<String> args = new java.util.ArrayList<>();

    @Option(names = "--state", description = "The agent's state folder (default: /var/lib/vigil).")
    Path state = AgentConfig.defaults().stateDir();

    @Override
    public Integer call() throws Exception {
        Path file = state.resolve(ProfileSet.FILE);
        switch (action) {
            case "list" -> {
                ProfileSet set = read(file);
                System.out.printf("%-60s %-9s %-12s %6s %s%n", "WORKLOAD", "PARTIAL", "PROCESS", "ITEMS", "STABLE SINCE");
                for (WorkloadProfile p : set.all()) {
                    Dimension d = p.dimensions().get(WorkloadProfile.PROCESS);
                    System.out.printf("%-60s %-9s %-12s %6d %s%n", p.key().text(), p.partial() ? "partial" : "", d == null ? "-" : d.state().label(),
                            d == null ? 0 : d.items().size(), d == null || d.stableSince() == null ? "-" : d.stableSince());
                }
                int pending = AllowRequests.pending(state).size();
                if (pending > 0) System.out.printf("%d allow request(s) wait for the agent%n", pending);
            }
            case "show" -> {
                if (args.size() != 1) throw new UserError(ExitCodes.USAGE, "show needs the workload KEY (quoted: it holds a space)");
                WorkloadProfile p = read(file).find(key(args.getFirst()));
                if (p == null) throw new UserError(ExitCodes.BAD_INPUT, "no workload " + args.getFirst() + " in " + file);
                System.out.println(p.key().text() + (p.partial() ? " (partial: it was running before vigil)" : ""));
                for (Dimension d : p.dimensions().values()) {
                    System.out.printf("  %s: %s, %d items, %d observations, stable since %s%n", d.name(), d.state().label(), d.items().size(),
                            d.observations(), d.stableSince() == null ? "-" : d.stableSince());
                    d.items().forEach((item, first) -> System.out.printf("    %s   (first seen %s)%n", item, first));
                }
            }
            case "allow" -> {
                if (args.size() != 3) throw new UserError(ExitCodes.USAGE, "allow needs KEY DIMENSION ITEM (quote each)");
                if (!args.get(1).equals(WorkloadProfile.PROCESS)) throw new UserError(ExitCodes.USAGE, "unknown dimension '" + args.get(1) + "' (process)");
                Path req = AllowRequests.write(state, new AllowRequests.Request(key(args.get(0)), args.get(1), args.get(2), Instant.now()));
                System.out.println("requested: " + args.get(2) + " allowed in " + args.get(0) + " (" + req + "; a running agent applies it within a second)");
            }
            default -> throw new UserError(ExitCodes.USAGE, "unknown action '" + action + "' (list, show, allow)");
        }
        return ExitCodes.OK;
    }

    private static WorkloadKey key(String text) {
        try {
            return WorkloadKey.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage() + " (a key is SCOPE PROGRAM, e.g. 'webapp.service python3:/srv/app.py')");
        }
    }

    private static ProfileSet read(Path file) throws java.io.IOException {
        if (!Files.exists(file)) throw new UserError(ExitCodes.BAD_INPUT, "no workload profiles at " + file + " (the agent saves them there; --state DIR)");
        try {
            return ProfileSet.read(file, Integer.MAX_VALUE, Dimension.Learning.production());
        } catch (ModelFile.InvalidModelException e) {
            throw new UserError(ExitCodes.BAD_INPUT, e.getMessage());
        }
    }
}
