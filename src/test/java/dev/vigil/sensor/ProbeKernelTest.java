package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.TraceConfig;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.KernelEvent.Probe;
import dev.vigil.event.SensorSettings;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom probes against probe_target.c, whose functions are called a known number of times
 * with known arguments: uprobe arguments, uretprobe return values, in-kernel filters
 * (process and argument), nested depth and frames, a tracepoint's fields inside a probed
 * function, and a USDT probe built with sys/sdt.h.
 */
@KernelTest
class ProbeKernelTest {
    static final int N = 5;

    static Process target(Path exe) throws Exception {
        return new ProcessBuilder(exe.toString(), Integer.toString(N)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Lets the target run (one line on its stdin) and waits for it. */
    static void go(Process p) throws Exception {
        try (OutputStream in = p.getOutputStream()) {
            in.write("go\n".getBytes());
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).startsWith("done");
    }

    static List<Probe> drain(Sensor c) {
        List<KernelEvent> out = new ArrayList<>();
        while (c.read(out::add, 200) > 0) { }
        return out.stream().map(Probe.class::cast).toList();
    }

    static List<Probe> of(List<Probe> all, String probe, String phase) {
        return all.stream().filter(e -> e.probe().equals(probe) && e.phase().equals(phase)).toList();
    }

    @Test
    void uprobesUretprobesTracepointAndUsdtGiveExactCountsArgumentsDepthAndFrames() throws Exception {
        Path exe = Native.helper("probe_target");
        Process p = target(exe);
        long pid = p.pid();
        String yaml = """
                probes:
                  - name: add
                    uprobe: %1$s:vigil_t_add
                    return: true
                    args: [{index: 0, type: int, name: a}, {index: 1, type: int, name: b}]
                    filters: {pid: [%2$d]}
                  - name: add-not-2
                    uprobe: %1$s:vigil_t_add
                    args: [{index: 0, type: int, name: a}]
                    filters: {pid: [%2$d], args: [{index: 0, ne: 2}]}
                  - {name: outer, uprobe: "%1$s:vigil_t_outer", return: true, filters: {pid: [%2$d]}}
                  - {name: middle, uprobe: "%1$s:vigil_t_middle", return: true, filters: {pid: [%2$d]}}
                  - {name: inner, uprobe: "%1$s:vigil_t_inner", return: true, events: entry, filters: {pid: [%2$d]}}
                  - name: ppid
                    tracepoint: syscalls/sys_enter_getppid
                    filters: {pid: [%2$d]}
                  - name: tick
                    usdt: %1$s:vigiltest:tick
                    args: [{index: 0, type: int, name: i}, {index: 1, type: string, name: label}]
                    filters: {pid: [%2$d]}
                """.formatted(exe, pid);
        TraceConfig cfg = TraceConfig.parse("probes.yaml", yaml);
        assertThat(cfg.collectors()).containsOnlyKeys("probes");
        List<Probe> all;
        Map<String, Long> counts;
        try (ProbeSensor s = Sensor.start(new ProbeSensor(cfg.probes()), SensorSettings.defaults())) {
            go(p);
            all = drain(s);
            counts = s.counts();
        }
        assertThat(all).allSatisfy(e -> assertThat(e.who().tgid()).isEqualTo((int) pid));

        List<Probe> addIn = of(all, "add", Probe.ENTRY), addOut = of(all, "add", Probe.RETURN);
        assertThat(addIn).hasSize(N);
        assertThat(addOut).hasSize(N);
        for (int i = 0; i < N; i++) {
            assertThat(addIn.get(i).values()).containsExactly(Map.entry("a", (long) i), Map.entry("b", 100L));
            assertThat(addIn.get(i).depth()).isEqualTo(1);
            assertThat(addIn.get(i).frames()).containsExactly("vigil_t_add");
            assertThat(addOut.get(i).ret()).as("vigil_t_add(%d, 100)", i).isEqualTo(i + 100L);
        }

        List<Probe> notTwo = of(all, "add-not-2", Probe.HIT);
        assertThat(notTwo).extracting(e -> e.values().get("a")).containsExactly(0L, 1L, 3L, 4L);
        assertThat(counts).containsEntry("add-not-2.hits", (long) N).containsEntry("add-not-2.filtered", 1L).containsEntry("add-not-2.sent", 4L);

        List<Probe> inner = of(all, "inner", Probe.ENTRY);
        assertThat(inner).hasSize(N);
        assertThat(inner).allSatisfy(e -> {
            assertThat(e.depth()).isEqualTo(3);
            assertThat(e.frames()).containsExactly("vigil_t_inner", "vigil_t_middle", "vigil_t_outer");
        });
        assertThat(of(all, "inner", Probe.RETURN)).as("events: entry").isEmpty();
        assertThat(of(all, "middle", Probe.RETURN)).hasSize(N).allSatisfy(e -> {
            assertThat(e.depth()).isEqualTo(2);
            assertThat(e.frames()).containsExactly("vigil_t_middle", "vigil_t_outer");
        });
        assertThat(of(all, "outer", Probe.RETURN)).hasSize(N).allSatisfy(e -> assertThat(e.depth()).isEqualTo(1));

        List<Probe> ppid = of(all, "ppid", Probe.HIT);
        assertThat(ppid).as("getppid is made in vigil_t_inner only").hasSize(N).allSatisfy(e -> {
            assertThat(e.values()).containsKey("__syscall_nr");
            assertThat(e.depth()).isEqualTo(3);
            assertThat(e.frames()).containsExactly("vigil_t_inner", "vigil_t_middle", "vigil_t_outer");
        });

        List<Probe> tick = of(all, "tick", Probe.HIT);
        assertThat(tick).hasSize(N);
        for (int i = 0; i < N; i++) {
            assertThat(tick.get(i).values()).containsExactly(Map.entry("i", (long) i), Map.entry("label", "tick-" + i));
            assertThat(tick.get(i).depth()).as("outside every probed function").isZero();
        }
        assertThat(counts).containsEntry("lost", 0L);
    }

    @Test
    void theCommFilterDropsAnotherProcessOfTheSameBinaryInTheKernel(@TempDir Path dir) throws Exception {
        Path exe = Native.helper("probe_target"), other = dir.resolve("other-target");
        Files.createSymbolicLink(other, exe);
        String yaml = """
                probes:
                  - name: add
                    uprobe: %s:vigil_t_add
                    args: [{index: 0, type: int}]
                    filters: {comm: [probe_target]}
                """.formatted(exe);
        TraceConfig cfg = TraceConfig.parse("probes.yaml", yaml);
        Process mine = target(exe), theirs = target(other);
        List<Probe> all;
        Map<String, Long> counts;
        try (ProbeSensor s = Sensor.start(new ProbeSensor(cfg.probes()), SensorSettings.defaults())) {
            go(mine);
            go(theirs);
            all = drain(s);
            counts = s.counts();
        }
        assertThat(all).hasSize(N).allSatisfy(e -> {
            assertThat(e.who().tgid()).isEqualTo((int) mine.pid());
            assertThat(e.who().comm()).isEqualTo("probe_target");
        });
        assertThat(all).extracting(e -> e.values().get("arg0")).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(counts).containsEntry("add.hits", 2L * N).containsEntry("add.filtered", (long) N);
    }
    @Test
    void aSystemCallTracepointsStringArgumentIsReadFromTheCallersMemory(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("known-file"), "x\n");
        Path cat = dir.resolve("vigil-tp-cat");
        Files.copy(Path.of("/bin/cat"), cat);
        cat.toFile().setExecutable(true);
        String yaml = """
                probes:
                  - name: opens
                    tracepoint: syscalls/sys_enter_openat
                    filters: {comm: [vigil-tp-cat]}
                """;
        TraceConfig cfg = TraceConfig.parse("probes.yaml", yaml);
        List<Probe> all;
        try (ProbeSensor s = Sensor.start(new ProbeSensor(cfg.probes()), SensorSettings.defaults())) {
            Process p = new ProcessBuilder(cat.toString(), file.toString()).redirectErrorStream(true).start();
            assertThat(new String(p.getInputStream().readAllBytes())).isEqualTo("x\n");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            all = drain(s);
        }
        assertThat(all).as("cat's opens").isNotEmpty().allSatisfy(e -> {
            assertThat(e.who().comm()).isEqualTo("vigil-tp-cat");
            assertThat(e.values().get("filename")).asString().matches("/.*|\\(not readable at the call\\)");
        });
        assertThat(all).filteredOn(e -> e.values().get("filename").equals(ProbeSensor.UNREADABLE)).as("strings on pages not yet touched").hasSizeLessThan(all.size() / 2);
        assertThat(all).extracting(e -> e.values().get("filename")).containsOnlyOnce(file.toString());
    }
}
