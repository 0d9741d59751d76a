package dev.vigil.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.bpf.BpfObject;
import dev.vigil.syscall.RiskyCalls;
import dev.vigil.syscall.SyscallTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one list of high-risk calls (syscall.RiskyCalls) is what both the kernel's rules and the risky sensor watch. */
class RiskyCallsTest {
    @Test
    void theWorkloadProbesRulesWatchExactlyTheList() {
        List<String> risky = WorkloadSensor.RULES.stream().filter(r -> r.action() == dev.vigil.event.KernelEvent.Item.ACT_RISKY)
                .map(WorkloadSensor.Rule::call).toList();
        assertThat(risky).containsExactlyElementsOf(RiskyCalls.names());
    }

    @Test
    void riskyBpfHasOneProgramPerCallOfTheListAndNoOther() {
        try (BpfObject o = BpfObject.openResource(RiskySensor.class, "/dev/vigil/bpf/risky.bpf.o")) {
            assertThat(o.programNames()).containsExactlyElementsOf(RiskyCalls.ALL.stream().map(c -> "vigil_risky_" + c.tracepoint()).toList());
        }
    }

    @Test
    void everyCallOfTheListIsACallOfTheHost() {
        SyscallTable host = SyscallTable.host();
        for (RiskyCalls.Call c : RiskyCalls.ALL) assertThat(host.number(c.name())).as(c.name()).isPresent();
    }
}
