package dev.vigil.event;

import java.time.Duration;
import java.util.Set;

/**
 * What configures a collector (from vigil.yaml and the command line). Filters apply to
 * the event collectors in the kernel (exec, unlink, risky) and to resource's output; an
 * empty set does not filter. net ignores the process filters (packets have no process).
 *
 * @param iface     the interface net listens on
 * @param period    how often net, resource and syscalls print a sample
 * @param top       how many processes resource shows per sample
 * @param pid       the process syscalls follows
 */
public record SensorSettings(Set<Integer> pids, Set<Integer> uids, Set<String> comms, Set<Long> cgroups, String iface,
                                Duration period, int top, Long pid) {
    public SensorSettings {
        pids = Set.copyOf(pids);
        uids = Set.copyOf(uids);
        comms = Set.copyOf(comms);
        cgroups = Set.copyOf(cgroups);
        if (period.isNegative() || period.isZero()) throw new IllegalArgumentException("period must be positive");
        if (top < 1) throw new IllegalArgumentException("top must be at least 1");
    }

    public static SensorSettings defaults() {
        return new SensorSettings(Set.of(), Set.of(), Set.of(), Set.of(), null, Duration.ofSeconds(2), 10, null);
    }

    public SensorSettings withPeriod(Duration d) { return new SensorSettings(pids, uids, comms, cgroups, iface, d, top, pid); }
    public SensorSettings withIface(String i) { return new SensorSettings(pids, uids, comms, cgroups, i, period, top, pid); }
    public SensorSettings withTop(int t) { return new SensorSettings(pids, uids, comms, cgroups, iface, period, t, pid); }
    public SensorSettings withPid(Long p) { return new SensorSettings(pids, uids, comms, cgroups, iface, period, top, p); }
    public SensorSettings withPids(Set<Integer> p) { return new SensorSettings(p, uids, comms, cgroups, iface, period, top, pid); }

    /** Does a process pass the filters (for filtering done in user space)? */
    public boolean passes(int tgid, int uid, String comm) {
        return (pids.isEmpty() || pids.contains(tgid)) && (uids.isEmpty() || uids.contains(uid))
                && (comms.isEmpty() || comms.contains(comm));
    }
}
