package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.collect.SequenceCollector;
import dev.vigil.collect.SequenceWire;
import dev.vigil.collect.SequenceWire.Anomaly;
import dev.vigil.collect.SequenceWire.Event;
import dev.vigil.collect.SequenceWire.NewProfile;
import dev.vigil.collect.SequenceWire.ProfileKey;
import dev.vigil.collect.SequenceWire.StateChange;
import dev.vigil.model.ProfileStore;
import dev.vigil.trace.SyscallTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Callable;
import dev.vigil.collect.Collector;
import dev.vigil.collect.CollectorSettings;
import dev.vigil.collect.ExecCollector;
import dev.vigil.collect.ProcessContext;
import dev.vigil.collect.RiskyCollector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Watch every process on the host (or only --exe) with per-executable lookahead-pair profiles",
                "kept in the kernel (pH/ebpH). Profiles train, turn normal by themselves, and alert on unseen",
                "call sequences. Administer them from another shell with `vigil profiles`."})
final class WatchCommand implements Callable<Integer> {
    static final String PIN_DIR = "/sys/fs/bpf/vigil";

    @Option(names = "--profiles", description = "Folder to load profiles from at start and save them to (every --save-every and on exit).")
    Path profilesDir;

    @Option(names = "--json", description = "One JSON object per line on stdout.")
    boolean json;

    @Option(names = "--exe", description = "Only watch this executable (repeatable).")
    List<Path> exes = new ArrayList<>();

    @Option(names = "--window", defaultValue = "9", description = "Calls in a window: the current one and up to 8 before it (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--min-calls", defaultValue = "1000000", description = "Calls a profile needs before it can become normal (default: ${DEFAULT-VALUE}).")
    long minCalls;

    @Option(names = "--stable-calls", defaultValue = "200000", description = "Calls without a new pair before a profile becomes normal (default: ${DEFAULT-VALUE}).")
    long stableCalls;

    @Option(names = "--tolerize-limit", defaultValue = "12", description = "Anomalies in a task's last 128 calls that send a normal profile back to training (default: ${DEFAULT-VALUE}).")
    int tolerizeLimit;

    @Option(names = "--max-profiles", defaultValue = "4096", description = "Most executables profiled (default: ${DEFAULT-VALUE}).")
    int maxProfiles;

    @Option(names = "--max-pair-entries", defaultValue = "65536", description = "Most (executable, call) pair bitmaps, 512 bytes each (default: ${DEFAULT-VALUE}).")
    int maxPairEntries;

    @Option(names = "--demo", description = "Fast training for demos: --min-calls 5000 --stable-calls 1000.")
    boolean demo;

    @Option(names = "--save-every", defaultValue = "60", description = "Seconds between saves with --profiles (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--duration", description = "Stop after this many seconds (default: until Ctrl-C).")
    Integer duration;

    @Option(names = "--pin-dir", hidden = true, defaultValue = PIN_DIR, description = "bpffs folder for the pinned profile maps.")
    String pinDir;

    @picocli.CommandLine.Mixin MetricsOption metrics;

    @Option(names = "--no-context", description = "Do not run the exec and risky collectors that add each alerting process's command line and recent high-risk calls to its alerts.")
    boolean noContext;

    private final ProcessContext context = new ProcessContext();

    private final Map<ProfileKey, String> paths = new ConcurrentHashMap<>();
    private final ObjectMapper mapper = new ObjectMapper();
    private final java.util.concurrent.atomic.AtomicLong alerts = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public Integer call() throws Exception {
        if (demo) {
            minCalls = 5000;
            stableCalls = 1000;
        }
        List<ProfileKey> keys = new ArrayList<>();
        for (Path p : exes) {
            if (!Files.isRegularFile(p)) throw new UserError(ExitCodes.BAD_INPUT, "--exe " + p + ": no such file");
            ProfileKey k = ProfileKey.of(p);
            keys.add(k);
            paths.put(k, p.toAbsolutePath().normalize().toString());
        }
        SequenceCollector.Settings settings;
        try {
            settings = new SequenceCollector.Settings(window, minCalls, stableCalls, tolerizeLimit, maxProfiles, maxPairEntries, keys);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCodes.USAGE, e.getMessage());
        }
        if (duration != null && duration < 1) throw new UserError(ExitCodes.USAGE, "--duration must be at least 1");
        metrics.check();
        Path file = profilesDir == null ? null : profilesDir.resolve(ProfileStore.FILE);
        ProfileStore.Snapshot saved = file != null && Files.exists(file) ? ProfileStore.read(file) : null;
        Privileges.require("watch");
        SyscallTable table = SyscallTable.host();
        PrintStream out = System.out;
        volatile_stop = false;
        try (ShutdownGuard guard = new ShutdownGuard();
             dev.vigil.alert.Metrics served = metrics.open("watch");
             SequenceCollector c = SequenceCollector.open(settings, e -> print(e, table, out))) {
            guard.onStop(() -> volatile_stop = true);
            served.counter("vigil_alerts", "Anomalies alerted", alerts::get)
                    .counter("vigil_watch_kernel_events", "The watch probe's own counters (lost = ring buffer full; *_full = map full)", "kind", c::stats);
            if (saved != null) {
                c.restore(saved);
                for (ProfileStore.Entry e : saved.profiles()) if (!e.path().isEmpty()) paths.putIfAbsent(new ProfileKey(e.ino(), e.dev()), e.path());
                System.err.printf("vigil: loaded %d profiles from %s%n", saved.profiles().size(), file);
            }
            List<Collector> side = noContext ? List.of() : startContext();
            c.attach();
            pin(c);
            System.err.printf("vigil: watching %s (window %d, normal after %d calls with %d stable; tolerize above %d anomalies in 128 calls) ...%n",
                    keys.isEmpty() ? "every process" : keys.size() + " executable(s)", window, minCalls, stableCalls, tolerizeLimit);
            long start = System.nanoTime(), lastSave = start;
            while (!volatile_stop) {
                drainContext();
                c.poll(200);
                long now = System.nanoTime();
                if (file != null && now - lastSave >= saveEvery * 1_000_000_000L) {
                    ProfileStore.write(file, c.snapshot(paths));
                    lastSave = now;
                }
                if (duration != null && now - start >= duration * 1_000_000_000L) break;
            }
            c.poll(0);
            unpin(c);
            stopContext(side);
            if (file != null) ProfileStore.write(file, c.snapshot(paths));
            List<SequenceWire.Profile> ps = c.profiles();
            Map<String, Long> st = c.stats();
            System.err.printf("vigil: %d profiles (%d normal), %d alerts, %d calls profiled, %d events lost, %d profiles and %d pair entries refused (maps full)%s%n",
                    ps.size(), ps.stream().filter(p -> p.state() == SequenceWire.NORMAL).count(), alerts.get(), ps.stream().mapToLong(SequenceWire.Profile::calls).sum(), st.get("lost"),
                    st.get("profiles_full"), st.get("pairs_full"), file != null ? "; saved to " + file : "");
        }
        return ExitCodes.OK;
    }

    private volatile boolean volatile_stop;
    private List<Collector> side = List.of();

    /**
     * The exec and risky collectors feeding {@link #context}. They are read on the thread
     * that reads the anomalies, and drained before each alert: a process's exec event was
     * sent before any of its anomalies, so its command line is known when the alert prints.
     */
    private List<Collector> startContext() {
        List<Collector> started = new ArrayList<>();
        try {
            started.add(Collector.start(new ExecCollector(), CollectorSettings.defaults()));
            started.add(Collector.start(new RiskyCollector(), CollectorSettings.defaults()));
        } catch (RuntimeException e) {
            started.forEach(Collector::close);
            System.err.println("vigil: alerts without process context (" + e.getMessage() + ")");
            return List.of();
        }
        side = started;
        return started;
    }

    private void drainContext() {
        for (Collector col : side) {
            while (col.read(context::accept, 0) > 0) { }
        }
    }

    private void stopContext(List<Collector> started) {
        side = List.of();
        started.forEach(Collector::close);
    }

    private void pin(SequenceCollector c) {
        try {
            if (!Files.isDirectory(Path.of("/sys/fs/bpf")) || Files.list(Path.of("/sys/fs/bpf")).findAny().isEmpty() && !isBpffs()) {
                new ProcessBuilder("mount", "-t", "bpf", "bpf", "/sys/fs/bpf").start().waitFor();
            }
            Files.createDirectories(Path.of(pinDir));
            c.unpin(pinDir);
            c.pin(pinDir);
        } catch (IOException | RuntimeException e) {
            System.err.println("vigil: profiles administration unavailable (cannot pin maps in " + pinDir + ": " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isBpffs() throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals("/sys/fs/bpf") && l.split(" ")[2].equals("bpf"));
    }

    private void unpin(SequenceCollector c) {
        try {
            c.unpin(pinDir);
            Files.deleteIfExists(Path.of(pinDir));
        } catch (IOException | RuntimeException ignored) {
            // another watch may use the folder
        }
    }

    private String path(ProfileKey k, int pid) {
        return paths.computeIfAbsent(k, key -> {
            try {
                Path exe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe"));
                return exe.toString();
            } catch (IOException | UnsupportedOperationException e) {
                return "";
            }
        });
    }

    private void print(Event e, SyscallTable t, PrintStream out) {
        String exe = path(e.key(), e.tgid());
        if (exe.isEmpty()) exe = e.key().toString();
        String now = Instant.now().toString();
        switch (e) {
            case NewProfile n -> { }
            case Anomaly a -> {
                drainContext();
                alerts.incrementAndGet();
                List<String> before = new ArrayList<>();
                for (int i = a.window().length - 1; i >= 0; i--) before.add(t.name(a.window()[i]));
                if (json) {
                    ObjectNode o = mapper.createObjectNode().put("time", now).put("kind", "anomaly").put("pid", a.pid()).put("tgid", a.tgid())
                            .put("comm", a.comm()).put("exe", exe).put("state", a.state() == SequenceWire.NORMAL ? "normal" : "training")
                            .put("syscall", t.name(a.syscall())).put("unseen_pairs", a.misses()).put("anomalies_in_last_128", a.lfc())
                            .put("profile_anomalies", a.anomalies()).put("profile_calls", a.calls());
                    before.forEach(o.putArray("sequence")::add);
                    context.cmdline(a.tgid()).ifPresent(cl -> cl.forEach(o.putArray("cmdline")::add));
                    List<String> risky = context.risky(a.tgid());
                    if (!risky.isEmpty()) risky.forEach(o.putArray("recent_risky_calls")::add);
                    out.println(o);
                } else {
                    List<String> risky = context.risky(a.tgid());
                    out.printf("%s ANOMALY pid=%d comm=%s exe=%s call=%s after [%s] unseen-pairs=%d recent-anomalies=%d/128%s%s%n",
                            now, a.pid(), a.comm(), exe, t.name(a.syscall()), String.join(" ", before), a.misses(), a.lfc(),
                            context.cmdline(a.tgid()).map(cl -> " cmdline=[" + String.join(" ", cl) + "]").orElse(""),
                            risky.isEmpty() ? "" : " recent-risky=[" + String.join("; ", risky) + "]");
                }
            }
            case StateChange s -> {
                String to = s.state() == SequenceWire.NORMAL ? "normal" : "training";
                String why = s.reason() == SequenceWire.REASON_TRAINED ? "trained" : "tolerized";
                if (json) {
                    out.println(mapper.createObjectNode().put("time", now).put("kind", "state").put("exe", exe).put("state", to)
                            .put("reason", why).put("profile_calls", s.calls()).put("pid", s.pid()).put("comm", s.comm()));
                } else {
                    out.printf("%s STATE exe=%s -> %s (%s) after %d calls%n", now, exe, to, why, s.calls());
                }
            }
        }
        out.flush();
    }
}
