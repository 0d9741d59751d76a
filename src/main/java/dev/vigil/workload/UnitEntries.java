package dev.vigil.workload;

import dev.vigil.alert.Alert;
import dev.vigil.alert.ProcessRef;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * A new workload inside a unit that already has a stable one: a program started into a
 * service's cgroup by something that is not the service (a process written into its
 * cgroup from an administrator's shell, an attacker's way to hide among the service's
 * processes). The kernel says where the starting process came from (the slot it was forked
 * in, task_w.h), so the alert names it: high severity when it came from another workload,
 * low when the service manager (systemd, as for an ExecReload helper) started it. The new
 * workload is then profiled on its own, learning: what it does is never learnt into the
 * service's profile. Confined to the detector thread.
 */
final class UnitEntries {
    private final ProfileSet profiles;
    private final ProcessDescriber describer;
    private final String host;
    private final IntFunction<Optional<WorkloadProfiler.Origin>> origins;
    private long entered;

    UnitEntries(ProfileSet profiles, ProcessDescriber describer, String host, IntFunction<Optional<WorkloadProfiler.Origin>> origins) {
        this.profiles = profiles;
        this.describer = describer;
        this.host = host;
        this.origins = origins;
    }

    /** New workloads begun inside a unit with a stable one, so far. */
    long entered() { return entered; }

    /** Has the profile learnt nothing yet (a workload begun just now, by the lineage or the slot)? */
    static boolean fresh(WorkloadProfile p) {
        return p.activity() == 0 && p.dimensions().values().stream().allMatch(d -> d.items().isEmpty());
    }

    /**
     * A slot began workload key (fresh: its profile is new); an alert when its unit has a
     * stable workload. The host's root cgroup is not a unit.
     */
    Optional<Alert> began(KernelEvent.Slot s, WorkloadKey key, String exe, boolean fresh, Instant now) {
        if (!fresh || s.reason() != KernelEvent.Slot.NEW || key.scope().equals("host")) return Optional.empty();
        WorkloadProfile stable = null;
        for (WorkloadProfile q : profiles.all()) {
            if (q.key().equals(key) || !q.key().scope().equals(key.scope())) continue;
            if (q.dimensions().values().stream().anyMatch(d -> d.state() == Dimension.State.STABLE)) {
                stable = q;
                break;
            }
        }
        if (stable == null) return Optional.empty();
        entered++;
        Optional<WorkloadProfiler.Origin> from = s.fromSlot() == 0 || s.fromCgroup() == s.who().cgroup() ? Optional.empty() : origins.apply(s.fromSlot());
        boolean manager = from.map(o -> o.root() == 1 || o.key().program().equals("systemd")).orElse(false);
        String args = s.argv().size() > 1 ? " " + String.join(" ", s.argv().subList(1, s.argv().size())) : "";
        String by = from.map(o -> o.key().text() + " (pid " + s.who().ppid() + ")").orElse("a process vigil cannot place (pid " + s.who().ppid() + ")");
        String summary = manager
                ? String.format(Locale.ROOT, "the service manager started a new program inside %s: %s%s — a workload the unit never had (%s is stable)",
                        key.scope(), exe, args, stable.key().text())
                : String.format(Locale.ROOT, "a program was started inside %s from outside it: %s%s, by %s — %s never had this workload (%s is stable); "
                        + "what it does is profiled apart, learning, never as %s", key.scope(), exe, args, by, key.scope(), stable.key().text(),
                        stable.key().program());
        ProcessRef p = describer.describe(s.who().tgid(), s.who().pid(), s.who().comm(), exe);
        return Optional.of(Alert.builder(LineageDetector.DETECTOR, "anomaly").time(now).host(host)
                .severity(manager ? Alert.Severity.LOW : from.isPresent() ? Alert.Severity.HIGH : Alert.Severity.MEDIUM)
                .summary(summary).process(p).ancestry(describer.ancestry(p.ppid()))
                .evidence("dimension", "unit").evidence("item", "new workload " + key.program())
                .evidence("action", "started " + exe + args + " inside " + key.scope())
                .evidence("workload", key.text()).evidence("stable_workload", stable.key().text())
                .evidence("entered_from", from.map(o -> o.key().text()).orElse(null))
                .profile(key.text(), "learning")
                .dedupKey(LineageDetector.DETECTOR + "|" + key.scope() + "|unit|" + key.program()).build());
    }
}
