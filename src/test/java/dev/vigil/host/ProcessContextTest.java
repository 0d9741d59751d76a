package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent.Exec;
import dev.vigil.event.KernelEvent.Risky;
import dev.vigil.event.KernelEvent.Who;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessContextTest {
    static Who who(int tgid) {
        return new Who(tgid, tgid, 1, 0, 0, 1, "p" + tgid);
    }

    static Risky risky(int tgid, String call, String detail) {
        return new Risky(who(tgid), 0, call, new long[6], "", detail);
    }

    @Test
    void keepsTheCommandLineAndTheLastFiveRiskyCallsPerProcess() {
        ProcessContext c = new ProcessContext();
        c.accept(new Exec(who(7_000_001), "/bin/sh", List.of("sh", "-c", "id"), false));
        for (int i = 1; i <= 7; i++) c.accept(risky(7_000_001, "kill", "target=" + i + " signal=SIGKILL"));
        c.accept(risky(7_000_002, "ptrace", "request=ATTACH target=1"));
        assertThat(c.cmdline(7_000_001)).contains(List.of("sh", "-c", "id"));
        assertThat(c.risky(7_000_001)).containsExactly("kill target=3 signal=SIGKILL", "kill target=4 signal=SIGKILL",
                "kill target=5 signal=SIGKILL", "kill target=6 signal=SIGKILL", "kill target=7 signal=SIGKILL");
        assertThat(c.risky(7_000_002)).containsExactly("ptrace request=ATTACH target=1");
        // a new exec starts a new program: its risky history starts over
        c.accept(new Exec(who(7_000_001), "/bin/id", List.of("id"), false));
        assertThat(c.risky(7_000_001)).isEmpty();
        assertThat(c.cmdline(7_000_001)).contains(List.of("id"));
    }

    @Test
    void fallsBackToProcForLiveProcessesAndForgetsTheOldest() {
        ProcessContext c = new ProcessContext();
        int self = (int) ProcessHandle.current().pid();
        assertThat(c.cmdline(self).orElseThrow().getFirst()).endsWith("java");
        assertThat(c.cmdline(999_999_999)).isEmpty();
        for (int i = 0; i <= ProcessContext.PROCESSES; i++) c.accept(new Exec(who(10_000_000 + i), "/x", List.of("x" + i), false));
        assertThat(c.cmdline(10_000_000)).as("the oldest of 4097 is forgotten").isEmpty();
        assertThat(c.cmdline(10_000_000 + ProcessContext.PROCESSES)).contains(List.of("x" + ProcessContext.PROCESSES));
    }
}
