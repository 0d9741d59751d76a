package dev.vigil.sequence;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.syscall.SyscallTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the sequence detector's kernel events (watch's anomalies and profile state
 * changes) into alerts in the one schema. An anomaly is LOW, MEDIUM once its thread has made
 * half the tolerize limit of anomalies in its last 128 calls; its dedup key is the profile,
 * the call and the calls before it, so the same unseen sequence repeated is one alert with
 * a count. Thread-safe.
 */
public final class SequenceAlerts {
    public static final String DETECTOR = "sequence";
    private final SyscallTable table;
    private final ProcessDescriber describer;
    private final int tolerizeLimit;
    private final long stableCalls;
    private final dev.vigil.host.Symbolizer symbolizer = new dev.vigil.host.Symbolizer();
    /** Unwinds and symbolizes an anomaly's stack: this detector's own symbolizer unless the agent shares its own (with the kernel's mappings). */
    private java.util.function.BiFunction<Integer, KernelEvent.UserStack, List<dev.vigil.host.StackFrame>> stacks =
            (pid, st) -> symbolizer.frames(pid, symbolizer.unwind(pid, st));

    /** Symbolizes stacks through stacks (the agent's, which has the mappings the kernel sent for processes gone or exec'd since). */
    public void stacks(java.util.function.BiFunction<Integer, KernelEvent.UserStack, List<dev.vigil.host.StackFrame>> stacks) { this.stacks = stacks; }
    private final Map<ProfileKey, String> paths = new ConcurrentHashMap<>();

    private final String host;

    /** host: the name alerts carry. */
    public SequenceAlerts(String host, SyscallTable table, ProcessDescriber describer, int tolerizeLimit, long stableCalls) {
        this.host = host;
        this.table = table;
        this.describer = describer;
        this.tolerizeLimit = tolerizeLimit;
        this.stableCalls = stableCalls;
    }

    /** The executable paths of the profiles known so far (for saving them). */
    public Map<ProfileKey, String> paths() { return paths; }

    /** The alert for a kernel event, or empty (a new profile is not an alert). */
    public Optional<Alert> toAlert(KernelEvent.Sequence e) {
        return switch (e) {
            case KernelEvent.NewProfile n -> {
                path(n.key(), n.tgid());
                yield Optional.empty();
            }
            case KernelEvent.Anomaly a -> Optional.of(anomaly(a));
            case KernelEvent.StateChange s -> Optional.of(state(s));
        };
    }

    private Alert anomaly(KernelEvent.Anomaly a) {
        String exe = path(a.key(), a.tgid());
        ProcessRef p = describer.describe(a.tgid(), a.pid(), a.comm(), exe);
        List<String> before = new ArrayList<>();
        for (int i = a.window().length - 1; i >= 0; i--) before.add(table.name(a.window()[i]));
        String call = table.name(a.syscall());
        String state = a.state() == SequenceProfile.NORMAL ? "normal" : "training";
        // the thread's user stack at the call, unwound and symbolized now (the process may be gone by the next look)
        List<dev.vigil.host.StackFrame> stack = a.stack().ip() == 0 ? List.of()
                : stacks.apply(a.tgid(), a.stack());
        String at = dev.vigil.host.StackWords.where(stack);
        String summary = String.format(Locale.ROOT, "%s (pid %d) made a system-call sequence its profile never saw: %s after [%s]%s "
                        + "(%d unseen pair%s; %d anomalous calls in its last 128)", p.comm(), a.tgid(), call, String.join(" ", before),
                at.isEmpty() ? "" : " " + at, a.misses(), a.misses() == 1 ? "" : "s", a.lfc());
        return Alert.builder(DETECTOR, "anomaly").time(java.time.Instant.now()).host(host)
                .severity(a.lfc() * 2 >= tolerizeLimit ? Alert.Severity.MEDIUM : Alert.Severity.LOW).summary(summary)
                .process(p).ancestry(describer.ancestry(p.ppid()))
                .evidence("syscall", call).evidence("sequence", before).evidence("unseen_pairs", a.misses())
                .evidence("anomalies_in_last_128", a.lfc()).evidence("tolerize_limit", tolerizeLimit)
                .evidence("profile_calls", a.calls()).evidence("profile_anomalies", a.anomalies())
                .evidence("recent_risky_calls", nonEmpty(describer.context().risky(a.tgid())))
                .evidence("stack", stack.isEmpty() ? null : dev.vigil.host.StackWords.evidence(stack))
                .profile(exe, state).dedupKey(DETECTOR + "|" + exe + "|" + call + "|" + String.join(",", before)).build();
    }

    private Alert state(KernelEvent.StateChange s) {
        String exe = path(s.key(), s.tgid());
        boolean normal = s.state() == SequenceProfile.NORMAL;
        boolean trained = s.reason() == SequenceProfile.REASON_TRAINED;
        String summary = normal
                ? String.format(Locale.ROOT, "the profile of %s is now normal: no new call sequence in its last %d calls (%d calls learnt); "
                + "sequences it never saw will raise alerts", exe, stableCalls, s.calls())
                : String.format(Locale.ROOT, "the profile of %s went back to training: %s (pid %d) made more than %d anomalous calls in 128 "
                + "(tolerized, as pH does); it raises no alerts until it is normal again", exe, s.comm(), s.tgid(), tolerizeLimit);
        return Alert.builder(DETECTOR, "profile_state").time(java.time.Instant.now()).host(host).severity(normal ? Alert.Severity.INFO : Alert.Severity.LOW)
                .summary(summary).process(describer.describe(s.tgid(), s.pid(), s.comm(), exe))
                .evidence("state", normal ? "normal" : "training").evidence("reason", trained ? "trained" : "tolerized")
                .evidence("profile_calls", s.calls()).profile(exe, normal ? "normal" : "training")
                .dedupKey(DETECTOR + "|state|" + exe + "|" + (normal ? "normal" : "training") + "|" + s.calls()).build();
    }

    private static List<String> nonEmpty(List<String> l) { return l.isEmpty() ? null : l; }

    /** The path of a profile's executable: known, else the process's /proc/PID/exe, else dev:major:ino. */
    public String path(ProfileKey k, int pid) {
        String p = paths.get(k);
        if (p != null) return p;
        p = dev.vigil.host.Procfs.exe(pid);
        if (p.isEmpty()) return k.toString();
        paths.put(k, p);
        return p;
    }
}
