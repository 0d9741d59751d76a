package dev.vigil.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import dev.vigil.event.KernelEvent;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lineage detector on exec events of processes that do not exist (pids above pid_max): no /proc, only the events. */
public class LineageDetectorTest {
    static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");
    static final long CGROUP = 987_654_321L;
    public static final int ROOT = 90_000_001, SYSTEMD = 90_000_000;

    public static KernelEvent.Exec exec(int pid, int ppid, String file, String... argv) {
        return new KernelEvent.Exec(new KernelEvent.Who(pid, pid, ppid, 33, 0, CGROUP, file.substring(file.lastIndexOf('/') + 1)), file, List.of(argv), false);
    }

    /**
     * A double fork: the program's parent is gone and it was re-parented to init (another
     * cgroup); the kernel's word (the slot it was forked in, begun in this cgroup) keeps it in
     * its workload, named as detached. A restart of the workload itself (its slot's root) and
     * a process from a slot of another cgroup are not placed by the slot.
     */
    @Test
    void aDetachedProcessStaysInTheWorkloadItCameFrom() {
        ProcessContext ctx = new ProcessContext();
        LineageDetector d = new LineageDetector(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(5), 2, Duration.ofHours(1), 100),
                Duration.ZERO, List.of(), new ProcessDescriber(ctx, false), "h");
        KernelEvent.Exec root = exec(ROOT, SYSTEMD, "/nonexistent/bin/python3", "python3", "/srv/app.py");
        ctx.accept(root);
        d.accept(root, T0);
        dev.vigil.profile.WorkloadKey app = d.workloadOf(ROOT).orElseThrow();
        d.origins(slot -> slot == 7 ? java.util.Optional.of(new WorkloadProfiler.Origin(app, CGROUP, ROOT, T0)) : java.util.Optional.empty());
        for (int i = 1; i <= 2; i++) d.accept(exec(ROOT + i, ROOT, "/nonexistent/bin/sh", "sh", "-c", "date"), T0.plusSeconds(i));
        d.profiles().find(app).addActivity(5);
        assertThat(d.accept(exec(ROOT + 3, ROOT, "/nonexistent/bin/sh", "sh", "-c", "date"), T0.plusSeconds(8))).extracting(Alert::kind)
                .containsExactly("profile_state");
        int orphan = ROOT + 50; // its parent (ROOT + 49) forked it and exited; init (pid 1 here: SYSTEMD) adopted it
        KernelEvent.Exec x = new KernelEvent.Exec(new KernelEvent.Who(orphan, orphan, SYSTEMD, 33, 0, CGROUP, "nc"), "/nonexistent/bin/nc",
                List.of("nc", "10.0.0.1", "4444"), false, "", "/nonexistent/bin/nc", 0, 7, CGROUP);
        ctx.accept(x);
        List<Alert> a = d.accept(x, T0.plusSeconds(10));
        assertThat(a).hasSize(1);
        assertThat(a.getFirst().evidence()).containsEntry("item", "(detached) -> /nonexistent/bin/nc <n>.<n>.<n>.<n> <n>")
                .containsEntry("workload", app.text());
        assertThat(a.getFirst().summary()).contains(" ran /nonexistent/bin/nc 10.0.0.1 4444 from a process detached from its parent (re-parented to pid "
                + SYSTEMD + ")");
        assertThat(d.reparented()).isEqualTo(1);
        // the slot came from another cgroup: the process began a workload of its own there
        KernelEvent.Exec moved = new KernelEvent.Exec(new KernelEvent.Who(orphan + 1, orphan + 1, SYSTEMD, 33, 0, CGROUP + 1, "nc"), "/nonexistent/bin/nc",
                List.of("nc"), false, "", "/nonexistent/bin/nc", 0, 7, CGROUP);
        assertThat(d.accept(moved, T0.plusSeconds(11))).isEmpty();
        assertThat(d.workloadOf(orphan + 1).orElseThrow()).isNotEqualTo(app);
        // the workload's own root restarting (the slot's root pid is the exec's own): not placed by the slot
        d.origins(slot -> java.util.Optional.of(new WorkloadProfiler.Origin(app, CGROUP, ROOT + 60, T0)));
        KernelEvent.Exec restart = new KernelEvent.Exec(new KernelEvent.Who(ROOT + 60, ROOT + 60, SYSTEMD, 33, 0, CGROUP, "python3"),
                "/nonexistent/bin/python3", List.of("python3", "/srv/app.py"), false, "", "/nonexistent/bin/python3", 0, 7, CGROUP);
        assertThat(d.accept(restart, T0.plusSeconds(12))).isEmpty();
        assertThat(d.reparented()).isEqualTo(1);
    }

    @Test
    void learnsThenNamesNewProgramsAndToldAtLowSeverityInTheWarmUpAfterAStart() {
        ProcessContext ctx = new ProcessContext();
        LineageDetector d = new LineageDetector(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(5), 2, Duration.ofHours(1), 100),
                Duration.ofSeconds(30), List.of("/user.slice"), new ProcessDescriber(ctx, false), "h");
        int[] pid = {ROOT + 1};
        java.util.function.BiFunction<Instant, String[], List<Alert>> child = (t, argv) -> {
            KernelEvent.Exec e = exec(pid[0]++, ROOT, "/nonexistent/bin/" + argv[0], argv);
            ctx.accept(e);
            return d.accept(e, t);
        };
        KernelEvent.Exec root = exec(ROOT, SYSTEMD, "/nonexistent/bin/python3", "python3", "/srv/app.py");
        ctx.accept(root);
        assertThat(d.accept(root, T0)).as("a workload of its own: no parent known").isEmpty();
        assertThat(d.workloadOf(ROOT).orElseThrow().text()).isEqualTo("host python3:/srv/app.py");
        assertThat(child.apply(T0.plusSeconds(1), new String[] {"sh", "-c", "date"})).isEmpty();
        assertThat(child.apply(T0.plusSeconds(2), new String[] {"sh", "-c", "date"})).isEmpty();
        d.profiles().find(d.workloadOf(ROOT).orElseThrow()).addActivity(5); // the calls the workload made meanwhile (the kernel counts them)
        assertThat(child.apply(T0.plusSeconds(8), new String[] {"sh", "-c", "date"})).as("stable: 5 calls since the last new, 5 s later")
                .extracting(Alert::kind).containsExactly("profile_state");
        List<Alert> w = child.apply(T0.plusSeconds(20), new String[] {"cat", "/etc/shadow"});
        assertThat(w).as("within the 30 s warm-up after the start: told, at low severity").hasSize(1);
        assertThat(w.getFirst().severity()).isEqualTo(Alert.Severity.LOW);
        assertThat(w.getFirst().summary()).endsWith("; new during the warm-up after a restart (learnt; reported at low severity)");
        assertThat(w.getFirst().evidence()).containsEntry("warmup", true);
        assertThat(d.warmedUp()).isEqualTo(1);
        assertThat(child.apply(T0.plusSeconds(25), new String[] {"cat", "/etc/shadow"})).as("learnt in the warm-up").isEmpty();
        List<Alert> a = child.apply(T0.plusSeconds(40), new String[] {"nc", "10.0.0.1", "4444"});
        assertThat(a).hasSize(1);
        assertThat(a.getFirst().summary()).isEqualTo("python3:/srv/app.py (host) ran /nonexistent/bin/nc 10.0.0.1 4444 from /nonexistent/bin/python3 (pid "
                + ROOT + ") — never seen in 8s of learning (stable since 2026-11-24T00:00:08Z)"); // learning began with the workload
        assertThat(a.getFirst().severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(a.getFirst().evidence()).containsEntry("item", "/nonexistent/bin/python3 -> /nonexistent/bin/nc <n>.<n>.<n>.<n> <n>")
                .containsEntry("learnt_items", 2);

        // a restart: a new first process of the same workload opens a new warm-up
        KernelEvent.Exec again = exec(ROOT + 100, SYSTEMD, "/nonexistent/bin/python3", "python3", "/srv/app.py");
        ctx.accept(again);
        d.accept(again, T0.plusSeconds(100));
        KernelEvent.Exec late = exec(ROOT + 101, ROOT + 100, "/nonexistent/bin/curl", "curl", "http://x/");
        ctx.accept(late);
        assertThat(d.accept(late, T0.plusSeconds(110))).extracting(Alert::severity).containsExactly(Alert.Severity.LOW);
        assertThat(d.warmedUp()).isEqualTo(2);
        assertThat(d.profiles().all()).hasSize(1);
    }

    /** Red team: crash the service again and again, and act in each warm-up after its restart. */
    @Test
    void aWorkloadThatRestartsTooOftenGetsNoWarmUpAndWarmUpItemsAreReportedApart() {
        ProcessContext ctx = new ProcessContext();
        List<String> reported = new java.util.ArrayList<>();
        LineageDetector d = new LineageDetector(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(5), 2, Duration.ofHours(1), 100),
                Duration.ofSeconds(30), List.of("/user.slice"), new ProcessDescriber(ctx, false), "h")
                .events((key, dim, item, verdict, state, time) -> reported.add(verdict + " " + item));
        int[] pid = {ROOT};
        java.util.function.Function<Instant, Integer> start = t -> {
            int root = pid[0] += 100;
            KernelEvent.Exec e = exec(root, SYSTEMD, "/nonexistent/bin/python3", "python3", "/srv/app.py");
            ctx.accept(e);
            d.accept(e, t);
            return root;
        };
        int[] n = {0};
        java.util.function.BiFunction<Integer, Instant, List<Alert>> run = (root, t) -> { // a new command line each time (letters: numbers generalise)
            KernelEvent.Exec e = exec(++pid[0], root, "/nonexistent/bin/sh", "sh", "-c", "step" + "abcdefghijklmnopqrstuvwxyz".charAt(n[0]++));
            ctx.accept(e);
            return d.accept(e, t);
        };
        int root = start.apply(T0);
        KernelEvent.Exec first = exec(++pid[0], root, "/nonexistent/bin/sh", "sh", "-c", "date");
        ctx.accept(first);
        d.accept(first, T0.plusSeconds(1));
        d.profiles().find(d.workloadOf(root).orElseThrow()).addActivity(5);
        KernelEvent.Exec same = exec(++pid[0], root, "/nonexistent/bin/sh", "sh", "-c", "date");
        ctx.accept(same);
        assertThat(d.accept(same, T0.plusSeconds(8))).extracting(Alert::kind).containsExactly("profile_state"); // stable
        // starts 2, 3 and 4 in the hour: each warm-up learns what is new in it, reported as warm-up (the fleet never counts it)
        for (int i = 2; i <= Warmups.MAX_STARTS; i++) {
            Instant t = T0.plusSeconds(100L * i);
            int r = start.apply(t);
            assertThat(run.apply(r, t.plusSeconds(5))).extracting(Alert::severity).containsExactly(Alert.Severity.LOW);
        }
        assertThat(reported).filteredOn(x -> x.startsWith("WARMUP ")).hasSize(Warmups.MAX_STARTS - 1);
        // the fifth start within the hour: no warm-up
        Instant t5 = T0.plusSeconds(600);
        int r5 = start.apply(t5);
        List<Alert> a = run.apply(r5, t5.plusSeconds(5));
        assertThat(a).hasSize(1);
        assertThat(a.getFirst().kind()).isEqualTo("anomaly");
        assertThat(a.getFirst().severity()).isNotEqualTo(Alert.Severity.LOW);
        // an hour after the first starts it earns its warm-up again
        Instant later = T0.plusSeconds(4 * 3600);
        int r6 = start.apply(later);
        assertThat(run.apply(r6, later.plusSeconds(5))).extracting(Alert::severity).containsExactly(Alert.Severity.LOW);
    }

    @Test
    void aParentGoneBeforeItsChildIsJudgedIsNamedByWhatTheKernelReadAtTheExec() {
        ProcessContext ctx = new ProcessContext(); // never told of the parent's exec, and it has no /proc: as a forked-only sshd session process gone
        LineageDetector d = new LineageDetector(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(5), 2, Duration.ofHours(1), 100),
                Duration.ZERO, List.of("/user.slice"), new ProcessDescriber(ctx, false), "h");
        d.accept(exec(ROOT, SYSTEMD, "/nonexistent/bin/sshd", "sshd", "-D"), T0);
        int[] pid = {ROOT + 1};
        java.util.function.BiFunction<Instant, String, List<Alert>> session = (t, parentExe) -> d.accept(new KernelEvent.Exec(
                new KernelEvent.Who(pid[0], pid[0]++, ROOT, 1000, 0, CGROUP, "bash"), "/nonexistent/bin/bash", List.of("bash", "-c", "uptime"), false, parentExe), t);
        assertThat(session.apply(T0.plusSeconds(1), "/nonexistent/bin/sshd")).isEmpty();
        d.profiles().find(d.workloadOf(ROOT).orElseThrow()).addActivity(5);
        assertThat(session.apply(T0.plusSeconds(8), "/nonexistent/bin/sshd")).extracting(Alert::kind).containsExactly("profile_state");
        assertThat(session.apply(T0.plusSeconds(20), "/nonexistent/bin/sshd")).as("the same program from the same parent program").isEmpty();
        List<Alert> unknown = session.apply(T0.plusSeconds(21), "");
        assertThat(unknown).as("without the kernel's reading the parent is unknown, and the item new").hasSize(1);
        assertThat(unknown.getFirst().summary()).contains("ran /nonexistent/bin/bash -c uptime from an unknown parent");
    }

    @Test
    void aChildOfAGoneForkedOnlyParentIsJudgedInTheWorkloadThatBeganWithTheParentsProgram() {
        ProcessContext ctx = new ProcessContext();
        LineageDetector d = new LineageDetector(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(5), 2, Duration.ofHours(1), 100),
                Duration.ZERO, List.of("/user.slice"), new ProcessDescriber(ctx, false), "h");
        KernelEvent.Exec sshd = exec(ROOT, SYSTEMD, "/nonexistent/sbin/sshd", "sshd", "-D");
        ctx.accept(sshd);
        d.accept(sshd, T0);
        int[] pid = {ROOT + 1000};
        // each session: sshd forks a session process (never exec'd, gone before it is asked about), which runs bash
        java.util.function.BiFunction<Instant, String[], List<Alert>> session = (t, argv) -> {
            int sessionPid = pid[0]++;
            KernelEvent.Exec e = new KernelEvent.Exec(new KernelEvent.Who(pid[0], pid[0]++, sessionPid, 1000, 0, CGROUP, "bash"), "/nonexistent/bin/bash",
                    List.of(argv), false, "/nonexistent/sbin/sshd");
            ctx.accept(e);
            return d.accept(e, t);
        };
        assertThat(session.apply(T0.plusSeconds(1), new String[] {"bash", "-c", "uptime"})).isEmpty();
        assertThat(d.workloadOf(pid[0] - 1)).as("judged in sshd's workload, not a workload of its own").contains(d.workloadOf(ROOT).orElseThrow());
        d.profiles().find(d.workloadOf(ROOT).orElseThrow()).addActivity(5);
        assertThat(session.apply(T0.plusSeconds(8), new String[] {"bash", "-c", "uptime"})).extracting(Alert::kind).containsExactly("profile_state");
        List<Alert> a = session.apply(T0.plusSeconds(20), new String[] {"bash", "-c", "cat /etc/shadow"});
        assertThat(a).extracting(Alert::kind).containsExactly("anomaly");
        assertThat(a.getFirst().summary()).contains("ran /nonexistent/bin/bash -c cat /etc/shadow from /nonexistent/sbin/sshd");
        assertThat(d.profiles().all()).as("no workload per session").hasSize(1);
    }

    @Test
    void execsInIgnoredCgroupsAreNotProfiled() {
        long root = dev.vigil.host.Cgroups.id("/");
        LineageDetector d = new LineageDetector(new ProfileSet(10), Dimension.Learning.fast(), Duration.ZERO, List.of("/"),
                new ProcessDescriber(new ProcessContext(), false), "h");
        KernelEvent.Exec e = new KernelEvent.Exec(new KernelEvent.Who(ROOT, ROOT, SYSTEMD, 0, 0, root, "bash"), "/nonexistent/bin/bash", List.of("-bash"), false);
        assertThat(d.accept(e, T0)).isEmpty();
        KernelEvent.Exec child = new KernelEvent.Exec(new KernelEvent.Who(ROOT + 1, ROOT + 1, ROOT, 0, 0, root, "id"), "/nonexistent/bin/id", List.of("id"), false);
        assertThat(d.accept(child, T0)).isEmpty();
        assertThat(d.ignored()).isEqualTo(2);
        assertThat(d.profiles().all()).isEmpty();
        assertThat(d.workloadOf(ROOT)).isEmpty();
    }
}
