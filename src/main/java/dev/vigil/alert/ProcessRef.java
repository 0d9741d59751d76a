package dev.vigil.alert;

import java.util.List;

/**
 * The process an alert is about, as far as it is known when the alert is made (a process
 * may be gone by then: what its exec event said is used). Numbers are -1 and strings ""
 * when unknown. Immutable.
 *
 * @param pid       the process (thread group) id
 * @param tid       the thread that did it (= pid for a single-threaded process)
 * @param cgroup    the cgroup v2 path, e.g. /system.slice/nginx.service
 * @param unit      the systemd unit the cgroup path names, or ""
 * @param container the container the cgroup path names, as its runtime describes it ({@link ContainerRef#NONE}: none)
 */
public record ProcessRef(int pid, int tid, int ppid, int uid, String comm, String exe, List<String> cmdline,
                         String cgroup, String unit, ContainerRef container) {
    public ProcessRef {
        comm = comm == null ? "" : comm;
        exe = exe == null ? "" : exe;
        cmdline = cmdline == null ? List.of() : List.copyOf(cmdline);
        cgroup = cgroup == null ? "" : cgroup;
        unit = unit == null ? "" : unit;
        container = container == null ? ContainerRef.NONE : container;
    }

    /** What is known of a process from its pid alone. */
    public static ProcessRef of(int pid, String comm) {
        return new ProcessRef(pid, pid, -1, -1, comm, "", List.of(), "", "", ContainerRef.NONE);
    }

    /** This process in another container (the runtime's facts found after it was described). */
    public ProcessRef in(ContainerRef c) { return new ProcessRef(pid, tid, ppid, uid, comm, exe, cmdline, cgroup, unit, c); }

    /** One process up the parent chain. */
    public record Ancestor(int pid, String comm, String exe) {
        public Ancestor {
            comm = comm == null ? "" : comm;
            exe = exe == null ? "" : exe;
        }
    }
}
