package dev.vigil.cli;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.BpfMap;
import dev.vigil.collect.SequenceWire;
import dev.vigil.collect.SequenceWire.ProfileKey;
import dev.vigil.model.ProfileStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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

    @Override
    public Integer call() throws Exception {
        if (action.equals("list") && saved != null) return listSaved(saved.resolve(ProfileStore.FILE));
        if (!List.of("list", "normalize", "sensitize", "tolerize").contains(action)) {
            throw new UserError(ExitCodes.USAGE, "unknown action '" + action + "' (list, normalize, sensitize, tolerize)");
        }
        Privileges.require("profiles");
        String dir = WatchCommand.PIN_DIR;
        if (!Files.exists(Path.of(dir, "profiles"))) {
            throw new UserError(ExitCodes.ERROR, "no running vigil watch (nothing pinned at " + dir + "); use --profiles DIR for saved profiles");
        }
        try (BpfMap profiles = BpfMap.openPinned(dir + "/profiles", (int) SequenceWire.PROFILE_KEY.byteSize(), (int) SequenceWire.PROFILE.byteSize());
             BpfMap pairs = BpfMap.openPinned(dir + "/pairs", (int) SequenceWire.PAIR_KEY.byteSize(), SequenceWire.PAIR_BITS_SIZE)) {
            if (action.equals("list")) return list(profiles);
            ProfileKey key = target();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(SequenceWire.PROFILE_KEY), v = a.allocate(SequenceWire.PROFILE);
                k.set(JAVA_LONG, 0, key.ino());
                k.set(ValueLayout.JAVA_INT, 8, key.dev());
                if (!profiles.lookup(k, v)) throw new UserError(ExitCodes.BAD_INPUT, "no profile for " + describe() + " (" + key + ")");
                switch (action) {
                    case "normalize" -> v.set(JAVA_LONG, 32, SequenceWire.NORMAL);
                    case "tolerize" -> {
                        v.set(JAVA_LONG, 32, SequenceWire.TRAINING);
                        v.set(JAVA_LONG, 8, v.get(JAVA_LONG, 0));
                    }
                    case "sensitize" -> {
                        v.fill((byte) 0);
                        List<byte[]> doomed = new ArrayList<>();
                        pairs.forEach((pk, pv) -> {
                            if (pk.get(JAVA_LONG, 0) == key.ino() && pk.get(ValueLayout.JAVA_INT, 8) == key.dev()) doomed.add(pk.toArray(ValueLayout.JAVA_BYTE));
                        });
                        for (byte[] d : doomed) pairs.delete(a.allocateFrom(ValueLayout.JAVA_BYTE, d));
                    }
                    default -> throw new IllegalStateException(action);
                }
                profiles.update(k, v);
                System.out.printf("%s: %s%n", describe(), action.equals("normalize") ? "normal" : action.equals("tolerize") ? "training (pairs kept)" : "training from scratch");
            }
        } catch (BpfException e) {
            throw new UserError(ExitCodes.BPF_ERROR, e.getMessage());
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

    /** Paths of running executables by profile key (to show names). */
    private static Map<ProfileKey, String> running() {
        Map<ProfileKey, String> m = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    Path exe = Files.readSymbolicLink(p.resolve("exe"));
                    m.putIfAbsent(ProfileKey.of(exe), exe.toString());
                } catch (IOException | RuntimeException ignored) {
                    // kernel thread, gone, or deleted binary
                }
            });
        } catch (IOException ignored) {
            // no /proc
        }
        return m;
    }

    private int list(BpfMap profiles) {
        Map<ProfileKey, String> names = running();
        List<String[]> rows = new ArrayList<>();
        profiles.forEach((k, v) -> {
            ProfileKey key = new ProfileKey(k.get(JAVA_LONG, 0), k.get(ValueLayout.JAVA_INT, 8));
            rows.add(new String[] {names.getOrDefault(key, key.toString()), v.get(JAVA_LONG, 32) == SequenceWire.NORMAL ? "normal" : "training",
                Long.toString(v.get(JAVA_LONG, 0)), Long.toString(v.get(JAVA_LONG, 24)), Long.toString(v.get(JAVA_LONG, 16)),
                Long.toString(v.get(JAVA_LONG, 40))});
        });
        print(rows);
        return ExitCodes.OK;
    }

    private int listSaved(Path file) throws IOException {
        ProfileStore.Snapshot s = ProfileStore.read(file);
        List<String[]> rows = new ArrayList<>();
        for (ProfileStore.Entry e : s.profiles()) {
            rows.add(new String[] {e.path().isEmpty() ? new ProfileKey(e.ino(), e.dev()).toString() : e.path(),
                e.state() == SequenceWire.NORMAL ? "normal" : "training", Long.toString(e.calls()), Long.toString(e.pairs()),
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
