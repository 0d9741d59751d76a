package dev.vigil.cli;

import dev.vigil.bpf.BpfException;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.sequence.ProfileAdmin;
import dev.vigil.store.ProfileStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "profiles", mixinStandardHelpOptions = true,
        description = {"List and administer the profiles of a running `vigil watch` (or, with --profiles, a saved set).",
                "  vigil profiles                      list",
                "  vigil profiles normalize --exe P    start detecting now",
                "  vigil profiles sensitize --pid N    forget everything learnt, train again",
                "  vigil profiles tolerize --exe P     accept what it does now: back to training, pairs kept"})
final class ProfilesCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "list", description = "list, normalize, sensitize or tolerize (default: ${DEFAULT-VALUE}).")
    String action;

    @Option(names = "--exe", description = "The executable's path.")
    Path exe;

    @Option(names = "--pid", description = "The executable of this process.")
    Long pid;

    @Option(names = "--profiles", description = "List a saved profiles folder instead of the running watch.")
    Path saved;

    @Option(names = "--pin-dir", hidden = true, defaultValue = WatchCommand.PIN_DIR, description = "bpffs folder of the running watch's maps.")
    String pinDir;

    @Override
    public Integer call() throws Exception {
        if (action.equals("list") && saved != null) return listSaved(saved.resolve(ProfileStore.FILE));
        if (!List.of("list", "normalize", "sensitize", "tolerize").contains(action)) {
            throw new UserError(ExitCodes.USAGE, "unknown action '" + action + "' (list, normalize, sensitize, tolerize)");
        }
        Privileges.require("profiles");
        if (!Files.exists(Path.of(pinDir, "profile_ids"))) {
            throw new UserError(ExitCodes.ERROR, "no running vigil watch (nothing pinned at " + pinDir + "); use --profiles DIR for saved profiles");
        }
        ProfileAdmin maps;
        try {
            maps = ProfileAdmin.openPinned(pinDir);
        } catch (BpfException e) {
            throw new UserError(ExitCodes.BPF_ERROR, e.getMessage());
        }
        try {
            if (action.equals("list")) return list(maps);
            ProfileKey key = target();
            SequenceProfile p = maps.profile(key).orElseThrow(() -> new UserError(ExitCodes.BAD_INPUT, "no profile for " + describe() + " (" + key + ")"));
            String now = maps.apply(p, action);
            System.out.printf("%s: %s%n", describe(), now);
        } catch (BpfException e) {
            throw new UserError(ExitCodes.BPF_ERROR, e.getMessage());
        } finally {
            maps.close();
        }
        return ExitCodes.OK;
    }

    private String describe() { return exe != null ? exe.toString() : "pid " + pid; }

    private ProfileKey target() throws IOException {
        if ((exe == null) == (pid == null)) throw new UserError(ExitCodes.USAGE, action + " needs exactly one of --exe PATH or --pid PID");
        Path p = exe;
        if (pid != null) {
            try {
                p = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe"));
            } catch (IOException e) {
                throw new UserError(ExitCodes.NO_SUCH_PROCESS, "no process " + pid);
            }
        }
        if (!Files.isRegularFile(p)) throw new UserError(ExitCodes.BAD_INPUT, "--exe " + p + ": no such file");
        return ProfileKey.of(p);
    }

    private int list(ProfileAdmin maps) {
        Map<ProfileKey, String> names = ProfileAdmin.running();
        List<String[]> rows = new ArrayList<>();
        for (SequenceProfile p : maps.all()) {
            rows.add(new String[] {names.getOrDefault(p.key(), p.key().toString()), p.stateName(), Long.toString(p.calls()),
                Long.toString(p.pairs()), Long.toString(p.anomalies()), Long.toString(p.tolerized())});
        }
        print(rows);
        return ExitCodes.OK;
    }

    private int listSaved(Path file) throws IOException {
        ProfileStore.Snapshot s = ProfileStore.read(file);
        List<String[]> rows = new ArrayList<>();
        for (ProfileStore.Entry e : s.profiles()) {
            rows.add(new String[] {e.path().isEmpty() ? new ProfileKey(e.ino(), e.dev()).toString() : e.path(),
                e.state() == SequenceProfile.NORMAL ? "normal" : "training", Long.toString(e.calls()), Long.toString(e.pairs()),
                Long.toString(e.anomalies()), Long.toString(e.tolerized())});
        }
        print(rows);
        return ExitCodes.OK;
    }

    private static void print(List<String[]> rows) {
        rows.sort((x, y) -> Long.compare(Long.parseLong(y[2]), Long.parseLong(x[2])));
        System.out.printf("%-48s %-9s %14s %8s %10s %9s%n", "EXECUTABLE", "STATE", "CALLS", "PAIRS", "ANOMALIES", "TOLERIZED");
        for (String[] r : rows) System.out.printf("%-48s %-9s %14s %8s %10s %9s%n", (Object[]) r);
    }
}
