package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent.Exec;
import dev.vigil.event.KernelEvent.Exit;
import dev.vigil.event.KernelEvent.Risky;
import dev.vigil.event.KernelEvent.Unlink;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import dev.vigil.host.Cgroups;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** exec, unlink and risky against children that do exactly known things. */
@KernelTest
class EventCollectorsKernelTest {
    static Process start(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static String finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit of %s", p.info().command().orElse("?")).isZero();
        return out;
    }

    static List<KernelEvent> drain(Sensor c) {
        List<KernelEvent> out = new ArrayList<>();
        while (c.read(out::add, 100) > 0) { }
        return out;
    }

    /** The cgroup v2 id of this process (the inode of its cgroup folder). */
    static long ownCgroup() throws Exception {
        String line = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::")).findFirst().orElseThrow();
        return Cgroups.id(line.substring(3));
    }

    @Test
    void execReportsFileArgvParentCgroupAndExitAndTheCommFilterHolds(@TempDir Path dir) throws Exception {
        Path exe = dir.resolve("vigil-exec-t");
        Files.copy(Native.helper("seqwork"), exe, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        var settings = SensorSettings.defaults();
        settings = new SensorSettings(Set.of(), Set.of(), Set.of("vigil-exec-t"), Set.of(), null, settings.period(), 10, null);
        try (ExecSensor c = Sensor.start(new ExecSensor(), settings)) {
            long t0 = System.nanoTime();
            Process p = start(exe.toString(), "0", "3");
            finish(p);
            long wall = System.nanoTime() - t0;
            finish(start("/bin/true")); // another comm: filtered out in the kernel
            List<KernelEvent> events = drain(c);
            assertThat(events).hasSize(2);
            Exec e = (Exec) events.get(0);
            assertThat(e.who().tgid()).isEqualTo((int) p.pid());
            assertThat(e.who().ppid()).isEqualTo((int) ProcessHandle.current().pid());
            assertThat(e.who().uid()).isZero();
            assertThat(e.who().comm()).isEqualTo("vigil-exec-t");
            assertThat(e.who().cgroup()).isEqualTo(ownCgroup());
            assertThat(e.filename()).isEqualTo(exe.toString());
            assertThat(e.argv()).containsExactly(exe.toString(), "0", "3");
            assertThat(e.truncated()).isFalse();
            assertThat(e.parentExe()).as("the forking parent's executable, read in the kernel at the exec")
                    .isEqualTo(Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath().toString());
            Exit x = (Exit) events.get(1);
            assertThat(x.who().tgid()).isEqualTo((int) p.pid());
            assertThat(x.code()).isZero();
            assertThat(x.signal()).isZero();
            assertThat(x.lifetimeNs()).isPositive().isLessThan(wall);
            assertThat(c.counts()).containsEntry("events", 2L).containsEntry("lost", 0L);
        }
    }

    @Test
    void execReadsLongCommandLinesTruncatedAndExitStatusByCode(@TempDir Path dir) throws Exception {
        String longArg = "x".repeat(700);
        try (ExecSensor c = Sensor.start(new ExecSensor(), SensorSettings.defaults())) {
            Process p = start("/bin/sh", "-c", "exit 3", "vigil-arg0", longArg);
            p.waitFor(30, TimeUnit.SECONDS);
            assertThat(p.exitValue()).isEqualTo(3);
            List<KernelEvent> events = drain(c).stream().filter(e -> e instanceof Exec x ? x.who().tgid() == p.pid() && !x.who().comm().equals("jspawnhelper")
                    : e instanceof Exit y && y.who().tgid() == p.pid()).toList();
            assertThat(events).hasSize(2);
            Exec e = (Exec) events.get(0);
            assertThat(e.truncated()).isTrue();
            assertThat(e.argv().subList(0, 4)).containsExactly("/bin/sh", "-c", "exit 3", "vigil-arg0");
            assertThat(String.join("\0", e.argv())).hasSize(512);
            assertThat(((Exit) events.get(1)).code()).isEqualTo(3);
        }
    }

    @Test
    void unlinkReportsEachDeletionWithItsPathAndCall(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("doomed.txt"), "x"), d = Files.createDirectory(dir.resolve("doomed-dir"));
        try (UnlinkSensor c = Sensor.start(new UnlinkSensor(), SensorSettings.defaults())) {
            Process rm = start("rm", f.toString());
            finish(rm);
            Process rmdir = start("rmdir", d.toString());
            finish(rmdir);
            List<Unlink> mine = drain(c).stream().map(e -> (Unlink) e)
                    .filter(u -> u.who().tgid() == rm.pid() || u.who().tgid() == rmdir.pid()).toList();
            assertThat(mine).hasSize(2);
            assertThat(mine.get(0).path()).isEqualTo(f.toString());
            assertThat(mine.get(0).syscall()).isEqualTo("unlinkat");
            assertThat(mine.get(0).dfd()).isEqualTo(-100);
            assertThat(mine.get(0).who().comm()).isEqualTo("rm");
            assertThat(mine.get(1).path()).isEqualTo(d.toString());
            assertThat(mine.get(1).syscall()).isIn("rmdir", "unlinkat");
            assertThat(Files.exists(f) || Files.exists(d)).isFalse();
        }
    }

    @Test
    void riskyDecodesPtraceSetuidMemfdAndKillOfAChild() throws Exception {
        try (RiskySensor c = Sensor.start(new RiskySensor(), SensorSettings.defaults())) {
            Process p = start(Native.helper("risky_work").toString());
            int child = Integer.parseInt(finish(p));
            List<Risky> mine = drain(c).stream().map(e -> (Risky) e).filter(r -> r.who().tgid() == p.pid()).toList();
            assertThat(mine.stream().map(Risky::syscall)).containsExactly("ptrace", "ptrace", "setuid", "memfd_create", "kill");
            assertThat(mine.get(0).detail()).startsWith("request=ATTACH target=" + child);
            assertThat(mine.get(1).detail()).startsWith("request=DETACH target=" + child);
            assertThat(mine.get(2).detail()).isEqualTo("uid=0");
            assertThat(mine.get(3).str()).isEqualTo("vigil-memfd");
            assertThat(mine.get(3).detail()).isEqualTo("name=vigil-memfd flags=0x1");
            assertThat(mine.get(4).detail()).isEqualTo("target=" + child + " signal=SIGKILL");
            assertThat(c.counts().get("lost")).isZero();
        }
    }
}
