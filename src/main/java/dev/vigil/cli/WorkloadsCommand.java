package dev.vigil.cli;

import dev.vigil.alert.Escape;
import dev.vigil.config.AgentConfig;
import dev.vigil.profile.AllowRequests;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import dev.vigil.store.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "workloads", mixinStandardHelpOptions = true,
        description = {"The agent's workload profiles (saved in STATE/workloads.json): list, review, allow, move between hosts, reset.",
                "  vigil workloads                                   list the workloads, their state and size",
                "  vigil workloads show 'KEY'                        every item learnt, per dimension",
                "  vigil workloads export ['KEY'...] [--out FILE]    the profiles as JSON (format vigil.workload-profiles/2), to review in git",
                "  vigil workloads import FILE                       merge exported profiles in (items added; stable there: stable here)",
                "  vigil workloads diff A.json [B.json]              what differs between two exports (B: the agent's state)",
                "  vigil workloads reset 'KEY' [DIMENSION]           forget a profile (or one dimension): it learns again",
                "  vigil workloads allow 'KEY' DIMENSION 'ITEM'      learn an item (a running agent applies it within a second);",
                "                                                    DIMENSION: process, files, network, risky or syscalls",
                "Alerts carry the exact allow command in their evidence."})
final class WorkloadsCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "list", description = "list, show, allow, export, import, diff or reset (default: ${DEFAULT-VALUE}).")
    String action;

    @Parameters(index = "1..*", arity = "0..*", description = "show: KEY; allow: KEY DIMENSION ITEM; export: KEY...; import: FILE; diff: A [B]; reset: KEY [DIMENSION].")
    List<String> args = new java.util.ArrayList<>();

    @Option(names = "--out", description = "export: write to this file instead of stdout.")
    Path out;

    @Option(names = "--state", description = "The agent's state folder (default: /var/lib/vigil).")
    Path state = AgentConfig.defaults().stateDir();

    @Override
    public Integer call() throws Exception {
        Path file = state.resolve(ProfileSet.FILE);
        switch (action) {
            case "list" -> {
                ProfileSet set = read(file);
                System.out.printf("%-60s %-9s %-10s %6s %-7s %s%n", "WORKLOAD", "PARTIAL", "STATE", "ITEMS", "VERSION", "DIMENSIONS");
                for (WorkloadProfile p : set.all()) {
                    int items = p.dimensions().values().stream().mapToInt(d -> d.items().size()).sum();
                    System.out.printf("%-60s %-9s %-10s %6d %-7s %s%n", Escape.text(p.key().text()), p.partial() ? "partial" : "", state(p), items,
                            p.versions().isEmpty() ? "-" : Integer.toString(p.versions().size()),
                            String.join(" ", p.dimensions().values().stream().map(d -> d.name() + ":" + d.state().label().replace(' ', '-')).toList()));
                }
                int pending = AllowRequests.pending(state).size();
                if (pending > 0) System.out.printf("%d allow request(s) wait for the agent%n", pending);
            }
            case "show" -> {
                if (args.size() != 1) throw new UserError(ExitCodes.USAGE, "show needs the workload KEY (quoted: it holds a space)");
                WorkloadProfile p = read(file).find(key(args.getFirst()));
                if (p == null) throw new UserError(ExitCodes.BAD_INPUT, "no workload " + args.getFirst() + " in " + file);
                System.out.println(Escape.text(p.key().text()) + (p.partial() ? " (partial: it was running before vigil)" : ""));
                for (int i = 0; i < p.versions().size(); i++) {
                    System.out.printf("  image version %d: %s%s%n", i + 1, Escape.text(p.versions().get(i)), i == p.versions().size() - 1 ? " (now)" : "");
                }
                for (Dimension d : p.dimensions().values()) {
                    System.out.printf("  %s: %s, %d items, %d observations, stable since %s%n", d.name(), d.state().label(), d.items().size(),
                            d.observations(), d.stableSince() == null ? "-" : d.stableSince());
                    d.items().forEach((item, first) -> System.out.printf("    %s   (first seen %s)%n", Escape.text(item), first));
                }
            }
            case "allow" -> {
                if (args.size() != 3) throw new UserError(ExitCodes.USAGE, "allow needs KEY DIMENSION ITEM (quote each)");
                if (!WorkloadProfile.isDimension(args.get(1))) {
                    throw new UserError(ExitCodes.USAGE, "unknown dimension '" + args.get(1) + "' (" + WorkloadProfile.dimensionsText() + ")");
                }
                Path req = AllowRequests.write(state, new AllowRequests.Request(key(args.get(0)), args.get(1), args.get(2), Instant.now()));
                System.out.println("requested: " + args.get(2) + " allowed in " + args.get(0) + " (" + req + "; a running agent applies it within a second)");
            }
            case "export" -> {
                ProfileSet set = read(file);
                List<WorkloadKey> keys = args.stream().map(WorkloadsCommand::key).toList();
                for (WorkloadKey k : keys) if (set.find(k) == null) throw new UserError(ExitCodes.BAD_INPUT, "no workload " + k.text() + " in " + file);
                byte[] json = set.only(keys).toJson();
                if (out == null) {
                    System.out.write(json);
                    System.out.println();
                    System.out.flush();
                } else {
                    dev.vigil.store.AtomicFile.write(out, java.nio.ByteBuffer.wrap(json));
                    System.err.printf("exported %d workload profile(s) to %s%n", set.only(keys).all().size(), out);
                }
            }
            case "import" -> {
                if (args.size() != 1) throw new UserError(ExitCodes.USAGE, "import needs one FILE (from vigil workloads export)");
                Path in = Path.of(args.getFirst());
                ProfileSet set = read(in); // validated before it is handed over
                Path req = AllowRequests.writeImport(state, Files.readAllBytes(in));
                System.out.printf("requested: merge %d workload profile(s) from %s (%s; a running agent applies it within a second, a stopped one at its start)%n",
                        set.all().size(), in, req);
            }
            case "diff" -> {
                if (args.isEmpty() || args.size() > 2) throw new UserError(ExitCodes.USAGE, "diff needs A.json [B.json] (B defaults to " + file + ")");
                ProfileSet a = read(Path.of(args.get(0))), b = read(args.size() == 2 ? Path.of(args.get(1)) : file);
                List<String> lines = ProfileDiff.lines(a, b);
                lines.forEach(l -> System.out.println(Escape.text(l)));
                return lines.isEmpty() ? ExitCodes.OK : 1;
            }
            case "reset" -> {
                if (args.isEmpty() || args.size() > 2) throw new UserError(ExitCodes.USAGE, "reset needs KEY [DIMENSION]");
                String dim = args.size() == 2 ? args.get(1) : "";
                if (!dim.isEmpty() && !WorkloadProfile.isDimension(dim)) {
                    throw new UserError(ExitCodes.USAGE, "unknown dimension '" + dim + "' (" + WorkloadProfile.dimensionsText() + ")");
                }
                Path req = AllowRequests.write(state, new AllowRequests.Request("reset", key(args.getFirst()), dim, "", Instant.now()));
                System.out.println("requested: reset " + (dim.isEmpty() ? "every dimension" : dim) + " of " + args.getFirst() + " (" + req
                        + "; it learns again from now)");
            }
            default -> throw new UserError(ExitCodes.USAGE, "unknown action '" + action + "' (list, show, allow, export, import, diff, reset)");
        }
        return ExitCodes.OK;
    }

    /** The profile's state: stable when every dimension is, else the first that is not (learning, unstable, at max size). */
    static String state(WorkloadProfile p) {
        for (Dimension d : p.dimensions().values()) if (d.state() != Dimension.State.STABLE) return d.state().label();
        return p.dimensions().isEmpty() ? "-" : "stable";
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
