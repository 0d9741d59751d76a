package dev.vigil.host;

import dev.vigil.alert.ProcessRef;
import dev.vigil.event.SensorSettings;

/**
 * The config's filters (pid, uid, comm, cgroup) applied to an alert's process in user space,
 * as the sensors apply them in the kernel: a cgroup from the process's exec event, else from
 * the alert's cgroup path. Immutable; thread-safe.
 */
public record ProcessFilter(SensorSettings filters) {
    public boolean passes(ProcessRef p, ProcessContext ctx) {
        if (p == null) return true;
        if (!filters.passes(p.pid(), p.uid(), p.comm())) return false;
        if (filters.cgroups().isEmpty()) return true;
        long id = ctx.seen(p.pid()).map(ProcessContext.Seen::cgroup).orElse(0L);
        if (id == 0 && !p.cgroup().isEmpty()) id = Cgroups.id(p.cgroup());
        return filters.cgroups().contains(id);
    }
}
