package dev.vigil.sequence;

import dev.vigil.detect.sequence.PhMachine;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.source.ProcessObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The sequence detector over a replayed recording: the processes a replay source hands on
 * run through {@link PhMachine} (the kernel machine's twin) and its events come out as the
 * kernel's events (profile keys by executable path: the file's device and inode when it
 * exists, else a key made from the path), so the same alerts code turns them into alerts.
 * A process attached without an exec is profiled under "comm:NAME". With {@code only} not
 * empty, only those executables are profiled (the config's exe list). Runs on the source's thread.
 */
public final class SequenceReplay implements ProcessObserver {
    private final PhMachine machine;
    private final Consumer<KernelEvent.Sequence> sink;
    private final Map<String, ProfileKey> keys = new HashMap<>();
    private final Map<Integer, String> comms = new HashMap<>();
    private final Map<ProfileKey, String> paths;
    private final java.util.Set<String> only;

    /** paths: filled with each profile key's executable (SequenceAlerts names profiles by it). */
    public SequenceReplay(PhMachine.Settings settings, java.util.Set<String> only, Map<ProfileKey, String> paths, Consumer<KernelEvent.Sequence> sink) {
        this.machine = new PhMachine(settings);
        this.only = java.util.Set.copyOf(only);
        this.paths = paths;
        this.sink = sink;
    }

    public PhMachine machine() { return machine; }

    private ProfileKey key(String exe) {
        return keys.computeIfAbsent(exe, e -> {
            ProfileKey k;
            try {
                k = e.startsWith("/") ? ProfileKey.of(Path.of(e)) : null;
            } catch (IOException | RuntimeException ex) {
                k = null;
            }
            if (k == null) k = new ProfileKey(e.hashCode() & 0xffffffffL, 0);
            paths.putIfAbsent(k, e);
            return k;
        });
    }

    @Override
    public void attach(int tgid, int parent, String comm, String exe, boolean named) {
        comms.put(tgid, comm);
        start(tgid, exe.isEmpty() ? "comm:" + comm : exe);
    }

    @Override
    public void launched(int pid, String name) { comms.put(pid, name); }

    @Override
    public void call(int tgid, int tid, int nr) {
        machine.call(tid, nr, e -> sink.accept(wire(e)));
    }

    @Override
    public void fork(int parent, int child, String comm) {
        comms.put(child, comm);
        machine.fork(parent, child, child);
    }

    @Override
    public void exec(int tgid, String comm, String file) {
        comms.put(tgid, comm);
        start(tgid, file);
    }

    private void start(int tgid, String exe) {
        if (!only.isEmpty() && !only.contains(exe)) {
            machine.exit(tgid); // not profiled
            return;
        }
        key(exe);
        machine.exec(tgid, tgid, exe);
    }

    @Override
    public void exit(int tgid, int status) {
        machine.exit(tgid);
        comms.remove(tgid);
    }

    private KernelEvent.Sequence wire(PhMachine.Event e) {
        return switch (e) {
            case PhMachine.Anomaly a -> new KernelEvent.Anomaly(a.tid(), a.tgid(), comms.getOrDefault(a.tgid(), ""), key(a.profile()), a.syscall(),
                    a.window(), a.misses(), a.lfc(), a.calls(), a.anomalies(), SequenceProfile.NORMAL, 0);
            case PhMachine.StateChange s -> new KernelEvent.StateChange(s.tid(), s.tgid(), comms.getOrDefault(s.tgid(), ""), key(s.profile()),
                    s.state(), s.reason(), s.syscall(), s.calls(), s.anomalies());
        };
    }

    @Override
    public void periodic() { }

    @Override
    public boolean allDone() { return false; }

    @Override
    public boolean execSeen(int pid) { return false; }
}
