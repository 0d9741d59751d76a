package dev.vigil.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkloadProfileTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /usr/bin/python3.11 | python3 /srv/app/webapp.py --port 8080   | python3.11:/srv/app/webapp.py
            /usr/bin/python3.11 | python3 -u /srv/app/webapp.py            | python3.11:/srv/app/webapp.py
            /usr/bin/python3.11 | python3 -m http.server 8000              | python3.11:-m:http.server
            /usr/bin/python3.11 | python3 -c print(1)                      | python3.11
            /usr/bin/dash       | /bin/sh /opt/job/backup.sh               | dash:/opt/job/backup.sh
            /usr/bin/dash       | sh -c id                                 | dash
            /usr/bin/bash       | -bash                                    | bash
            /bin/busybox        | wget http://x/                           | busybox:wget
            /bin/busybox        | busybox ls /                             | busybox:ls
            /usr/bin/java       | java -Xmx1g -cp a.jar:b.jar com.acme.Main x | java:com.acme.Main
            /usr/bin/java       | java -jar /opt/app.jar                   | java:/opt/app.jar
            /usr/sbin/nginx     | nginx -g daemon_off;                     | nginx
            /usr/bin/perl       | perl /usr/bin/some_script                | perl:/usr/bin/some_script
            """)
    void theProgramIsTheScriptOrNameNotTheInterpreter(String exe, String argv, String program) {
        assertThat(WorkloadKey.program(exe, List.of(argv.split(" ")))).isEqualTo(program);
    }

    @Test
    void theScopeIsTheContainerElseTheUnitElseTheCgroup() {
        // a docker container's unit (docker-ID.scope) is the runtime's, not the workload's: the image names it
        assertThat(WorkloadKey.of("docker-4f1c.scope", "image:shop/web:1.4", "/system.slice/docker-4f1c.scope", "/usr/sbin/nginx", List.of("nginx")).text())
                .isEqualTo("image:shop/web:1.4 nginx");
        assertThat(WorkloadKey.of("webapp.service", "", "/system.slice/webapp.service", "/usr/bin/python3.11", List.of("python3", "/srv/app/webapp.py")).text())
                .isEqualTo("webapp.service python3.11:/srv/app/webapp.py");
        assertThat(WorkloadKey.of("", "container:4f1c2a7d9e8b", "/docker/x", "/usr/sbin/nginx", List.of("nginx")).text())
                .isEqualTo("container:4f1c2a7d9e8b nginx");
        assertThat(WorkloadKey.of("", "", "/vigil-test", "/usr/bin/dash", List.of("sh", "/tmp/svc.sh")).text()).isEqualTo("cgroup:/vigil-test dash:/tmp/svc.sh");
        assertThat(WorkloadKey.parse("cgroup:/vigil-test dash:/tmp/svc.sh")).isEqualTo(new WorkloadKey("cgroup:/vigil-test", "dash:/tmp/svc.sh"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            sleep 5                                        | <n>
            cat /proc/1234/status                          | /proc/<n>/status
            rm -f /tmp/tmpa8Xk2q/part-7.bin                | -f /tmp/<tmp>/part-<n>.bin
            curl http://10.1.2.3:8080/api/v1/items/42      | http://<n>.<n>.<n>.<n>:<n>/api/v1/items/<n>
            kill -9 3fa85f64-5717-4562-b3fc-2c963f66afa6   | -<n> <hex>
            git checkout 9f86d081884c7d659a2feaa0c55ad015  | checkout <hex>
            cat /etc/shadow                                | /etc/shadow
            /tmp/payload --connect                         | --connect
            """)
    void argumentsAreGeneralisedButChosenNamesStay(String argv, String pattern) {
        assertThat(Patterns.args(List.of(argv.split(" ")))).isEqualTo(pattern);
    }

    static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");

    @Test
    void aDimensionLearnsTurnsStableByTimeAndActivityThenFlagsNovelties() {
        // stable after 10 min of learning, 5 min and 3,000 calls of the workload without anything new
        Dimension d = new Dimension("process", new Dimension.Learning(Duration.ofMinutes(10), Duration.ofMinutes(5), 3000, Duration.ofHours(1), 100), T0);
        assertThat(d.observe("a", T0, 0)).isEqualTo(Dimension.Verdict.LEARNT);
        assertThat(d.observe("b", T0.plusSeconds(60), 1000)).isEqualTo(Dimension.Verdict.LEARNT);
        d.advance(T0.plusSeconds(120), 5000);
        assertThat(d.state()).as("4,000 calls without anything new, but not 5 minutes yet").isEqualTo(Dimension.State.LEARNING);
        d.advance(T0.plusSeconds(9 * 60), 5000);
        assertThat(d.state()).as("5 minutes since b, but only 9 of the 10 minutes of learning").isEqualTo(Dimension.State.LEARNING);
        d.advance(T0.plusSeconds(40 * 60), 3999);
        assertThat(d.state()).as("activity never goes back").isEqualTo(Dimension.State.STABLE);
        assertThat(d.stableSince()).isEqualTo(T0.plusSeconds(2400));
        assertThat(d.observe("c", T0.plusSeconds(2500), 6000)).isEqualTo(Dimension.Verdict.NOVEL);
        assertThat(d.observe("c", T0.plusSeconds(2501), 6000)).as("a novelty is not learnt").isEqualTo(Dimension.Verdict.NOVEL);
        assertThat(d.allow("c", T0.plusSeconds(2502))).isTrue();
        assertThat(d.observe("c", T0.plusSeconds(2503), 6000)).isEqualTo(Dimension.Verdict.SEEN);
    }

    @Test
    void anIdleWorkloadDoesNotTurnStableByWaiting() {
        Dimension d = new Dimension("files", new Dimension.Learning(Duration.ZERO, Duration.ofMinutes(5), 3000, Duration.ofDays(1), 100), T0);
        d.observe("read /etc/app.conf", T0, 100);
        d.advance(T0.plus(Duration.ofHours(20)), 2000);
        assertThat(d.state()).as("20 h, but 1,900 calls since the last new item").isEqualTo(Dimension.State.LEARNING);
        d.advance(T0.plus(Duration.ofHours(21)), 3100);
        assertThat(d.state()).isEqualTo(Dimension.State.STABLE);
    }

    @Test
    void aDimensionThatNeverSettlesIsUnstableAndAFullOneStops() {
        Dimension d = new Dimension("process", new Dimension.Learning(Duration.ZERO, Duration.ofMinutes(5), 0, Duration.ofMinutes(30), 100), T0);
        for (int i = 0; i < 40; i++) d.observe("item" + i, T0.plusSeconds(60L * i), 1000L * i); // something new every minute
        assertThat(d.state()).isEqualTo(Dimension.State.UNSTABLE);
        assertThat(d.observe("new", T0.plusSeconds(3000), 50_000)).isEqualTo(Dimension.Verdict.IGNORED);
        Dimension full = new Dimension("process", new Dimension.Learning(Duration.ZERO, Duration.ofMinutes(5), 0, Duration.ofDays(1), 3), T0);
        for (String s : List.of("a", "b", "c")) full.observe(s, T0, 0);
        assertThat(full.observe("d", T0, 0)).isEqualTo(Dimension.Verdict.IGNORED);
        assertThat(full.state()).isEqualTo(Dimension.State.AT_MAX_SIZE);
        assertThat(full.items()).hasSize(3);
    }

    @Test
    void profilesRoundTripThroughTheirJsonFile(@TempDir Path dir) throws Exception {
        ProfileSet set = new ProfileSet(10);
        WorkloadProfile p = set.get(new WorkloadKey("webapp.service", "python3:/srv/app/webapp.py"), true);
        Dimension.Learning l = new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(1), 1, Duration.ofHours(1), 100);
        Dimension d = p.dimension(WorkloadProfile.PROCESS, l, T0);
        p.addActivity(10);
        d.observe("/usr/bin/python3 -> /usr/bin/dash -c <n>", T0, p.activity());
        p.addActivity(5);
        d.observe("/usr/bin/python3 -> /usr/bin/dash -c <n>", T0.plusSeconds(5), p.activity());
        assertThat(d.state()).isEqualTo(Dimension.State.STABLE);
        Dimension files = p.dimension(WorkloadProfile.FILES, l, T0);
        files.adoptStable(T0.plusSeconds(6), "the fleet's profile"); // learnt elsewhere: the alerts say whose verdict it was
        Path f = dir.resolve("workloads.json");
        set.write(f);
        ProfileSet back = ProfileSet.read(f, 10, l);
        WorkloadProfile q = back.find(p.key());
        assertThat(q.partial()).isTrue();
        Dimension e = q.dimensions().get(WorkloadProfile.PROCESS);
        assertThat(e.state()).isEqualTo(Dimension.State.STABLE);
        assertThat(e.items()).isEqualTo(d.items());
        assertThat(e.stableSince()).isEqualTo(d.stableSince());
        assertThat(e.observations()).isEqualTo(2);
        assertThat(e.sinceNew()).isEqualTo(5);
        assertThat(q.activity()).isEqualTo(15);
        assertThat(e.adoptedFrom()).isNull();
        assertThat(q.dimensions().get(WorkloadProfile.FILES).state()).isEqualTo(Dimension.State.STABLE);
        assertThat(q.dimensions().get(WorkloadProfile.FILES).adoptedFrom()).isEqualTo("the fleet's profile");
        assertThat(java.nio.file.Files.readString(f)).contains("\"format\" : \"vigil.workload-profiles/2\"").contains("webapp.service python3:/srv/app/webapp.py");
        assertThat(set.get(new WorkloadKey("a", "b"), false)).isNotNull();
        ProfileSet small = new ProfileSet(1);
        small.get(new WorkloadKey("a", "b"), false);
        assertThat(small.get(new WorkloadKey("a", "c"), false)).isNull();
        assertThat(small.refused()).isEqualTo(1);
    }

    @Test
    void aFullSetEvictsTheIdlestProfileWithNoProcessLeftLearningBeforeLearnt() {
        Instant[] now = {T0};
        java.util.Set<WorkloadKey> busy = new java.util.HashSet<>();
        ProfileSet set = new ProfileSet(3).evictIdle(() -> busy, () -> now[0]);
        Dimension.Learning l = new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(1), 1, Duration.ofHours(1), 100);
        WorkloadKey service = new WorkloadKey("nginx.service", "nginx"), job = new WorkloadKey("run-r1.scope", "backup"),
                scope = new WorkloadKey("run-r2.scope", "sh"), next = new WorkloadKey("run-r3.scope", "sh"), more = new WorkloadKey("run-r4.scope", "sh");
        WorkloadProfile s = set.get(service, false), j = set.get(job, false), sc = set.get(scope, false);
        for (WorkloadProfile p : List.of(s, j, sc)) p.addActivity(10);
        Dimension learnt = j.dimension(WorkloadProfile.PROCESS, l, T0);
        learnt.observe("/usr/bin/backup -> /usr/bin/tar", T0, 10);
        learnt.advance(T0.plusSeconds(5), 20);
        assertThat(j.learnt()).isTrue();
        sc.dimension(WorkloadProfile.PROCESS, l, T0.plusSeconds(30)); // the scope did something last
        s.touch(T0.plusSeconds(60));
        busy.add(service);

        now[0] = T0.plus(ProfileSet.IDLE).minusSeconds(1);
        assertThat(set.get(next, false)).as("nothing idle for 10 minutes yet").isNull();
        assertThat(set.refused()).isEqualTo(1);

        now[0] = T0.plus(ProfileSet.IDLE).plusSeconds(31);
        assertThat(set.get(next, false)).isNotNull();
        assertThat(set.find(scope)).as("the idle one still learning goes first, though the learnt one is idle longer").isNull();
        assertThat(set.find(job)).isNotNull();
        assertThat(set.evicted()).isEqualTo(1);
        assertThat(set.evictedLearnt()).isZero();

        assertThat(set.get(more, false)).as("next is new, not idle; the service has a process").isNotNull();
        assertThat(set.find(job)).as("the learnt one, when no other is idle").isNull();
        assertThat(set.find(service)).as("never a workload with a process").isNotNull();
        assertThat(set.evictedLearnt()).isEqualTo(1);
        assertThat(set.get(new WorkloadKey("run-r5.scope", "sh"), false)).isNull();
        assertThat(set.refused()).isEqualTo(2);
        assertThat(new ProfileSet(1).get(service, false)).isNotNull();
    }

    @Test
    void aNewImageDigestIsANewVersionLearningFromTheLastAndANewTagStartsFromTheOtherTag(@TempDir Path dir) throws Exception {
        Dimension.Learning l = new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(10), 10, Duration.ofHours(1), 100);
        ProfileSet set = new ProfileSet(10);
        WorkloadKey v1 = new WorkloadKey("image:localhost/shop/web:1", "web"), other = new WorkloadKey("image:localhost/shop/webx:1", "web");
        WorkloadProfile p = set.get(v1, false);
        p.dimensions(l, T0);
        assertThat(set.imageVersion(p, "sha256:aaa", l, T0)).as("the first digest is version 1, no notice").isNull();
        Dimension proc = p.dimension(WorkloadProfile.PROCESS, l, T0);
        assertThat(proc.observe("/srv/web -> /bin/date", T0, 0)).isEqualTo(Dimension.Verdict.LEARNT);
        proc.advance(T0.plusSeconds(60), 100);
        assertThat(proc.state()).isEqualTo(Dimension.State.STABLE);
        assertThat(set.imageVersion(p, "sha256:aaa", l, T0.plusSeconds(61))).as("a replica of the same build").isNull();
        assertThat(proc.state()).isEqualTo(Dimension.State.STABLE);

        ProfileSet.VersionChange c = set.imageVersion(p, "sha256:bbb", l, T0.plusSeconds(70));
        assertThat(c).isEqualTo(new ProfileSet.VersionChange(v1, 2, "sha256:bbb", "sha256:aaa", v1));
        assertThat(p.versions()).containsExactly("sha256:aaa", "sha256:bbb");
        assertThat(proc.state()).as("the new version learns again").isEqualTo(Dimension.State.LEARNING);
        assertThat(proc.observe("/srv/web -> /bin/date", T0.plusSeconds(71), 110)).as("what version 1 did is known").isEqualTo(Dimension.Verdict.SEEN);
        assertThat(proc.observe("/srv/web -> /bin/uname", T0.plusSeconds(72), 120)).as("what version 2 does new is learnt").isEqualTo(Dimension.Verdict.LEARNT);
        proc.advance(T0.plusSeconds(90), 200);
        assertThat(proc.state()).isEqualTo(Dimension.State.STABLE);
        assertThat(set.imageVersion(p, "sha256:aaa", l, T0.plusSeconds(91))).as("an old replica still running in a rollout: no flapping").isNull();

        set.get(other, false).dimension(WorkloadProfile.PROCESS, l, T0).observe("/srv/web -> /bin/ls", T0, 0); // another repository
        WorkloadKey v2 = new WorkloadKey("image:localhost/shop/web:2", "web");
        WorkloadProfile q = set.get(v2, false);
        q.dimensions(l, T0.plusSeconds(100));
        c = set.imageVersion(q, "sha256:ccc", l, T0.plusSeconds(100));
        assertThat(c).isEqualTo(new ProfileSet.VersionChange(v2, 3, "sha256:ccc", "sha256:bbb", v1));
        Dimension qp = q.dimension(WorkloadProfile.PROCESS, l, T0);
        assertThat(qp.itemSet()).containsExactly("/srv/web -> /bin/date", "/srv/web -> /bin/uname");
        assertThat(qp.state()).isEqualTo(Dimension.State.LEARNING);

        Path f = dir.resolve(ProfileSet.FILE);
        set.write(f);
        ProfileSet back = ProfileSet.read(f, 10, l);
        assertThat(back.find(v2).versions()).containsExactly("sha256:aaa", "sha256:bbb", "sha256:ccc");
        assertThat(back.find(other).versions()).isEmpty();
        assertThat(back.imageVersion(back.find(v1), "sha256:bbb", l, T0)).as("known after a restart").isNull();
    }
}
