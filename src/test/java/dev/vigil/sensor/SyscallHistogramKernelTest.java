package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.bpf.BpfException;
import dev.vigil.host.Procfs;
import dev.vigil.syscall.SyscallTable;
import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import org.junit.jupiter.api.Test;

@KernelTest
class SyscallHistogramKernelTest {
    private static final int GETPPID = SyscallTable.host().number("getppid").orElseThrow();

    @Test
    void countsExactlyTheTargetsGetppidCallsAndNotAnotherBusyProcess() throws Exception {
        long n = 10_000;
        try (Native.GetppidLoop target = Native.getppidLoop(n);
             Native.GetppidLoop other = Native.getppidLoop(50_000);
             SyscallHistogramSensor hist = SyscallHistogramSensor.attach(target.pid())) {
            long[] before = new long[512];
            hist.read(before);
            other.go(); // busy, not the target: must not be counted
            target.go();
            long[] after = new long[512];
            hist.read(after);
            assertThat(before[GETPPID]).isZero();
            // the child's only getppid calls are the loop's: exactly n
            assertThat(after[GETPPID]).isEqualTo(n);
            // its whole syscall count is n plus its known noise: the read(stdin) it blocks in
            // entered before attach, clock_gettime is vDSO, so only exit_group remains;
            // nothing of the other busy process is counted
            long total = 0;
            for (long c : after) total += c;
            assertThat(total).isEqualTo(n + 1);
            assertThat(after[SyscallTable.host().number("exit_group").orElseThrow()]).isEqualTo(1);
            assertThat(hist.outOfRange()).isZero();
            assertThat(hist.usesBatchLookup()).as("batch lookup works on this kernel").isTrue();
        }
    }

    @Test
    void noSuchPidIsAClearError() {
        assertThatThrownBy(() -> SyscallHistogramSensor.attach(999_999_999))
                .isInstanceOf(Procfs.NoSuchProcessException.class)
                .hasMessage("no such process: 999999999");
    }

    @Test
    void globalsAreReadOnlyAfterLoadAndUnknownNamesFail() {
        try (var obj = dev.vigil.bpf.BpfObject.openResource(getClass(), SyscallHistogramSensor.OBJECT)) {
            obj.setGlobal("target_tgid", 4242);
            assertThat(obj.global("target_tgid")).isEqualTo(4242);
            assertThatThrownBy(() -> obj.setGlobal("nope", 1)).isInstanceOf(BpfException.class).hasMessageContaining("nope");
            obj.load();
            assertThat(obj.global("target_tgid")).isEqualTo(4242);
            assertThatThrownBy(() -> obj.setGlobal("target_tgid", 1)).isInstanceOf(IllegalStateException.class);
        }
    }
}
