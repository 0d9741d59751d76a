package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detect.sequence.LookaheadPairs;
import dev.vigil.event.KernelEvent.Anomaly;
import dev.vigil.event.KernelEvent.StateChange;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.store.ProfileStore;
import dev.vigil.syscall.SyscallTable;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-kernel lookahead-pair profiles against a static workload whose system calls are
 * exactly known (src/test/c/seqwork.c), and against the Java model on the same sequence.
 */
@KernelTest
class SequenceKernelTest {
    static final SyscallTable T = SyscallTable.host();
    static final int GETPID = n("getpid"), GETPPID = n("getppid"), GETUID = n("getuid"), GETGID = n("getgid"),
            GETEUID = n("geteuid"), GETEGID = n("getegid"), EXIT_GROUP = n("exit_group");

    static int n(String s) { return T.number(s).orElseThrow(); }

    /** The calls seqwork MODE N makes. */
    static List<Integer> calls(int mode, int count) {
        List<Integer> c = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            c.addAll(List.of(GETPID, GETPPID, GETUID, GETGID));
            if (mode == 1 && i == count / 2) c.addAll(List.of(GETEUID, GETEGID));
        }
        c.add(EXIT_GROUP);
        return c;
    }

    /** Runs on one CPU: a profile's call counter is a plain increment, so processes of one program on two CPUs at once may lose one (see events.h). */
    static void run(Path exe, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "0", exe.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    static Path copy(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        Files.copy(Native.helper("seqwork"), p, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    static void drain(SequenceSensor c) {
        while (c.poll(50) > 0) { }
    }

    static SequenceProfile profile(SequenceSensor c, ProfileKey k) {
        return c.profiles().stream().filter(p -> p.key().equals(k)).findFirst().orElseThrow();
    }

    static void train(LookaheadPairs model, List<Integer> seq) {
        LookaheadPairs.Window w = model.newWindow();
        for (int call : seq) {
            model.train(w, call);
            w.push(call);
        }
    }

    @Test
    void trainsToNormalMatchesTheJavaModelFlagsTheInsertedSequenceAndFollowsForkExecExit(@TempDir Path dir) throws Exception {
        Path a = copy(dir, "seq-a"), b = copy(dir, "seq-b");
        ProfileKey ka = ProfileKey.of(a), kb = ProfileKey.of(b);
        var settings = new SequenceSensor.Settings(9, 1000, 100, 128, 64, 4096, List.of(ka, kb));
        List<KernelEvent.Sequence> events = new ArrayList<>();
        try (SequenceSensor c = SequenceSensor.open(settings, events::add)) {
            c.attach();

            // run 1: 801 calls, all training (fewer than min_calls)
            run(a, "0", "200");
            drain(c);
            SequenceProfile p1 = profile(c, ka);
            assertThat(p1.calls()).isEqualTo(801);
            assertThat(p1.state()).isEqualTo(SequenceProfile.TRAINING);
            LookaheadPairs java = new LookaheadPairs(9);
            train(java, calls(0, 200));
            assertThat(c.triples(ka)).as("kernel pairs = Java model's pairs").containsExactly(java.triples());
            assertThat(p1.pairs()).isEqualTo(java.pairs());

            // run 2: normal at exactly call 1000 (no new pair since run 1), no anomaly after it
            run(a, "0", "200");
            drain(c);
            train(java, calls(0, 200).subList(0, 199));
            List<StateChange> changes = events.stream().filter(e -> e instanceof StateChange).map(e -> (StateChange) e).toList();
            assertThat(changes).hasSize(1);
            assertThat(changes.getFirst().calls()).isEqualTo(1000);
            assertThat(changes.getFirst().reason()).isEqualTo(SequenceProfile.REASON_TRAINED);
            assertThat(changes.getFirst().key()).isEqualTo(ka);
            assertThat(profile(c, ka).state()).isEqualTo(SequenceProfile.NORMAL);

            // run 3, identical: zero anomalies
            run(a, "0", "200");
            drain(c);
            assertThat(events.stream().filter(e -> e instanceof Anomaly)).isEmpty();
            assertThat(profile(c, ka).anomalies()).isZero();

            // run 4 inserts geteuid getegid: anomalies exactly where the Java model finds them
            run(a, "1", "200");
            drain(c);
            List<Anomaly> anomalies = events.stream().filter(e -> e instanceof Anomaly).map(e -> (Anomaly) e).toList();
            List<Integer> expected = new ArrayList<>();
            List<Integer> seq = calls(1, 200);
            LookaheadPairs.Window w = java.newWindow();
            for (int call : seq) {
                if (java.mismatches(w, call) > 0) expected.add(call);
                w.push(call);
            }
            assertThat(anomalies.stream().map(Anomaly::syscall).toList()).isEqualTo(expected);
            Anomaly first = anomalies.getFirst();
            assertThat(first.syscall()).isEqualTo(GETEUID);
            assertThat(first.window()).startsWith(GETGID, GETUID, GETPPID, GETPID);
            assertThat(first.comm()).isEqualTo("seq-a");
            assertThat(profile(c, ka).anomalies()).isEqualTo(expected.size());

            // a scripted tree: seq-a forks 3 children, two exec seq-b, all exit
            Map<String, Long> before = c.stats();
            long aCalls = profile(c, ka).calls();
            run(a, "2", "10", b.toString());
            drain(c);
            Map<String, Long> after = c.stats();
            assertThat(after.get("forks") - before.get("forks")).isEqualTo(3);
            assertThat(after.get("execs") - before.get("execs")).as("seq-a itself + 2 children into seq-b").isEqualTo(3);
            assertThat(after.get("exits") - before.get("exits")).isEqualTo(4);
            assertThat(after.get("tasks_added") - before.get("tasks_added")).isEqualTo(4);
            assertThat(after.get("tasks_freed") - before.get("tasks_freed")).as("every task's state freed").isEqualTo(4);
            // seq-a: 3 fork + 3 wait4 + exit_group (parent), 2 execve + 1 exit_group (children)
            assertThat(profile(c, ka).calls() - aCalls).isEqualTo(10);
            // seq-b: two runs of 41 calls, in its own profile
            assertThat(profile(c, kb).calls()).isEqualTo(82);
            assertThat(after.get("lost")).isZero();
            assertThat(after.get("profiles_full") + after.get("pairs_full")).isZero();

            // saved profiles reload to the same state
            Path file = dir.resolve("profiles.vigil");
            ProfileStore.write(file, dev.vigil.sequence.ProfileSnapshots.snapshot(c, Map.of(ka, a.toString(), kb, b.toString())));
            try (SequenceSensor fresh = SequenceSensor.open(settings, e -> { })) {
                dev.vigil.sequence.ProfileSnapshots.restore(fresh, ProfileStore.read(file));
                assertThat(fresh.profiles()).containsExactlyInAnyOrderElementsOf(c.profiles());
                assertThat(fresh.triples(ka)).containsExactly(c.triples(ka));
                assertThat(fresh.triples(kb)).containsExactly(c.triples(kb));
            }
        }
    }
}
