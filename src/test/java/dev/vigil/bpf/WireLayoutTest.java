package dev.vigil.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every Java StructLayout of a wire struct matches the compiled object's BTF (no privileges needed). */
class WireLayoutTest {
    @Test
    void testEventMatchesBtf() {
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/ringbuf_test.bpf.o")) {
            BtfStruct btf = obj.btfStruct("vigil_test_event");
            assertThat(BtfStruct.of("vigil_test_event", TestEvent.LAYOUT)).isEqualTo(btf);
            assertThat(btf.size()).isEqualTo(32);
        }
    }

    @Test
    void sequenceStructsMatchBtf() {
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/sequence.bpf.o")) {
            for (var l : java.util.List.of(dev.vigil.sensor.SequenceWire.EVENT, dev.vigil.sensor.SequenceWire.PROFILE,
                    dev.vigil.sensor.SequenceWire.PROFILE_KEY)) {
                String name = l.name().orElseThrow();
                assertThat(BtfStruct.of(name, l)).as(name).isEqualTo(obj.btfStruct(name));
            }
        }
    }

    @Test
    void collectorStructsMatchBtf() {
        record Obj(String object, java.util.List<java.lang.foreign.StructLayout> layouts) {}
        var all = java.util.List.of(
                new Obj("exec", java.util.List.of(dev.vigil.sensor.EventWire.HEADER, dev.vigil.sensor.EventWire.EXEC, dev.vigil.sensor.EventWire.EXIT)),
                new Obj("unlink", java.util.List.of(dev.vigil.sensor.EventWire.UNLINK)),
                new Obj("risky", java.util.List.of(dev.vigil.sensor.EventWire.RISKY)),
                new Obj("net", java.util.List.of(dev.vigil.sensor.EventWire.FLOW_KEY, dev.vigil.sensor.EventWire.FLOW)),
                new Obj("resource", java.util.List.of(dev.vigil.sensor.EventWire.PROC_USAGE)),
                new Obj("record", java.util.List.of(dev.vigil.sensor.EventWire.HEADER, dev.vigil.sensor.EventWire.REC_CALL,
                        dev.vigil.sensor.EventWire.REC_PROC, dev.vigil.sensor.EventWire.REC_CALL_IN, dev.vigil.sensor.EventWire.PROBE_STACK)),
                new Obj("probes", java.util.List.of(dev.vigil.sensor.EventWire.HEADER, dev.vigil.sensor.EventWire.PROBE_EVENT,
                        dev.vigil.sensor.EventWire.PROBE_SPEC, dev.vigil.sensor.EventWire.PROBE_STACK, dev.vigil.sensor.EventWire.PROBE_FRAME,
                        dev.vigil.sensor.EventWire.PROBE_ARG_FILTER)),
                new Obj("workload", java.util.List.of(dev.vigil.sensor.EventWire.HEADER, dev.vigil.sensor.EventWire.SLOT_EVENT,
                        dev.vigil.sensor.EventWire.ITEM_EVENT, dev.vigil.sensor.EventWire.MAPS_EVENT, dev.vigil.sensor.EventWire.VMA, dev.vigil.sensor.EventWire.CALL_RULE, dev.vigil.sensor.EventWire.SLOT,
                        dev.vigil.sensor.EventWire.SEEN_KEY, dev.vigil.sensor.EventWire.SEEN, dev.vigil.sensor.EventWire.SLOT_KEY,
                        dev.vigil.sensor.EventWire.PROBE_STACK, dev.vigil.sensor.EventWire.SPAWN_STACK)));
        for (Obj o : all) {
            try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/" + o.object() + ".bpf.o")) {
                for (var l : o.layouts()) {
                    String name = l.name().orElseThrow();
                    assertThat(BtfStruct.of(name, l)).as(o.object() + ": " + name).isEqualTo(obj.btfStruct(name));
                }
            }
        }
    }

    private static final class P extends dev.vigil.sensor.ProbeSensor.Codes {}

    @Test
    void probeEnumsMatchBtf() {
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/probes.bpf.o")) {
            Map<String, Long> types = new LinkedHashMap<>();
            for (var t : dev.vigil.event.ProbeSpec.Type.values()) types.put("VIGIL_ARG_" + t.name(), (long) t.code);
            types.put("VIGIL_ARG_NONE", 0L);
            assertThat(obj.btfEnum("vigil_probe_arg")).containsExactlyInAnyOrderEntriesOf(types);
            assertThat(obj.btfEnum("vigil_probe_phase")).containsExactlyInAnyOrderEntriesOf(Map.of("VIGIL_PHASE_HIT", (long) P.PHASE_HIT,
                    "VIGIL_PHASE_ENTRY", (long) P.PHASE_ENTRY, "VIGIL_PHASE_RETURN", (long) P.PHASE_RETURN));
            assertThat(obj.btfEnum("vigil_probe_flag")).containsExactlyInAnyOrderEntriesOf(Map.of("VIGIL_PROBE_PAIRED", (long) P.FLAG_PAIRED,
                    "VIGIL_PROBE_EMIT_ENTRY", (long) P.FLAG_EMIT_ENTRY, "VIGIL_PROBE_EMIT_RETURN", (long) P.FLAG_EMIT_RETURN,
                    "VIGIL_PROBE_TRACEPOINT", (long) P.FLAG_TRACEPOINT, "VIGIL_PROBE_USDT", (long) P.FLAG_USDT));
            assertThat(obj.btfEnum("vigil_probe_filter")).containsExactlyInAnyOrderEntriesOf(Map.of("VIGIL_PF_PID", (long) P.PF_PID,
                    "VIGIL_PF_UID", (long) P.PF_UID, "VIGIL_PF_COMM", (long) P.PF_COMM, "VIGIL_PF_CGROUP", (long) P.PF_CGROUP));
        }
    }

    @Test
    void sharedEnumsMatchBtf() {
        Map<String, Long> javaTypes = new LinkedHashMap<>();
        javaTypes.put("VIGIL_EV_TEST", 1L);
        javaTypes.put("VIGIL_EV_ANOMALY", (long) dev.vigil.sensor.SequenceWire.EV_ANOMALY);
        javaTypes.put("VIGIL_EV_STATE", (long) dev.vigil.sensor.SequenceWire.EV_STATE);
        javaTypes.put("VIGIL_EV_PROFILE_NEW", (long) dev.vigil.sensor.SequenceWire.EV_PROFILE_NEW);
        javaTypes.put("VIGIL_EV_EXEC", (long) dev.vigil.sensor.EventWire.EV_EXEC);
        javaTypes.put("VIGIL_EV_EXIT", (long) dev.vigil.sensor.EventWire.EV_EXIT);
        javaTypes.put("VIGIL_EV_UNLINK", (long) dev.vigil.sensor.EventWire.EV_UNLINK);
        javaTypes.put("VIGIL_EV_RISKY", (long) dev.vigil.sensor.EventWire.EV_RISKY);
        javaTypes.put("VIGIL_EV_REC_CALL", (long) dev.vigil.sensor.EventWire.EV_REC_CALL);
        javaTypes.put("VIGIL_EV_REC_FORK", (long) dev.vigil.sensor.EventWire.EV_REC_FORK);
        javaTypes.put("VIGIL_EV_REC_EXEC", (long) dev.vigil.sensor.EventWire.EV_REC_EXEC);
        javaTypes.put("VIGIL_EV_REC_EXIT", (long) dev.vigil.sensor.EventWire.EV_REC_EXIT);
        javaTypes.put("VIGIL_EV_REC_CALL_IN", (long) dev.vigil.sensor.EventWire.EV_REC_CALL_IN);
        javaTypes.put("VIGIL_EV_SLOT", (long) dev.vigil.sensor.EventWire.EV_SLOT);
        javaTypes.put("VIGIL_EV_ITEM", (long) dev.vigil.sensor.EventWire.EV_ITEM);
        javaTypes.put("VIGIL_EV_MAPS", (long) dev.vigil.sensor.EventWire.EV_MAPS);
        javaTypes.put("VIGIL_EV_PROBE", (long) dev.vigil.sensor.EventWire.EV_PROBE);
        for (String o : List.of("sequence", "exec", "record", "workload")) {
            try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/" + o + ".bpf.o")) {
                assertThat(obj.btfEnum("vigil_event_type")).as(o + ": event types").isEqualTo(javaTypes);
            }
        }
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/exec.bpf.o")) {
            assertThat(obj.btfEnum("vigil_exec_flag")).as("exec.bpf.c's flags, also those of workload.bpf.c's slot events")
                    .isEqualTo(Map.of("VIGIL_EXEC_SCRIPT", (long) dev.vigil.event.KernelEvent.Exec.SCRIPT, "VIGIL_EXEC_DELETED", (long) dev.vigil.event.KernelEvent.Exec.DELETED,
                            "VIGIL_EXEC_RUNTIME_INIT", (long) dev.vigil.event.KernelEvent.Exec.RUNTIME_INIT));
        }
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/sequence.bpf.o")) {
            assertThat(obj.btfEnum("vigil_profile_state")).isEqualTo(Map.of(
                    "VIGIL_PROFILE_TRAINING", (long) dev.vigil.event.SequenceProfile.TRAINING, "VIGIL_PROFILE_NORMAL", (long) dev.vigil.event.SequenceProfile.NORMAL));
            assertThat(obj.btfEnum("vigil_state_reason")).isEqualTo(Map.of("VIGIL_REASON_TRAINED", (long) dev.vigil.event.SequenceProfile.REASON_TRAINED,
                    "VIGIL_REASON_TOLERIZED", (long) dev.vigil.event.SequenceProfile.REASON_TOLERIZED));
            // the stats slots the Java side names, in order, then the count the map is sized by
            Map<String, Long> stats = new LinkedHashMap<>();
            String[] names = dev.vigil.sensor.SequenceSensor.STATS;
            for (int i = 0; i < names.length; i++) stats.put("ST_" + names[i].toUpperCase(java.util.Locale.ROOT), (long) i);
            stats.put("ST_COUNT", 16L);
            assertThat(obj.btfEnum("vigil_seq_stat")).isEqualTo(stats);
        }
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/workload.bpf.o")) {
            Map<String, Long> actions = new LinkedHashMap<>();
            String[] names = {"NONE", "OPEN", "OPENAT", "OPENAT2", "CREAT", "UNLINK", "UNLINKAT", "RENAME", "RENAMEAT", "CHMOD", "FCHMODAT", "CONNECT",
                "BIND", "LISTEN", "ACCEPT", "RISKY", "LINK", "LINKAT", "SYMLINK", "SYMLINKAT"};
            int[] java = {0, dev.vigil.event.KernelEvent.Item.ACT_OPEN, dev.vigil.event.KernelEvent.Item.ACT_OPENAT,
                dev.vigil.event.KernelEvent.Item.ACT_OPENAT2, dev.vigil.event.KernelEvent.Item.ACT_CREAT, dev.vigil.event.KernelEvent.Item.ACT_UNLINK,
                dev.vigil.event.KernelEvent.Item.ACT_UNLINKAT, dev.vigil.event.KernelEvent.Item.ACT_RENAME,
                dev.vigil.event.KernelEvent.Item.ACT_RENAMEAT, dev.vigil.event.KernelEvent.Item.ACT_CHMOD,
                dev.vigil.event.KernelEvent.Item.ACT_FCHMODAT, dev.vigil.event.KernelEvent.Item.ACT_CONNECT, dev.vigil.event.KernelEvent.Item.ACT_BIND,
                dev.vigil.event.KernelEvent.Item.ACT_LISTEN, dev.vigil.event.KernelEvent.Item.ACT_ACCEPT, dev.vigil.event.KernelEvent.Item.ACT_RISKY,
                dev.vigil.event.KernelEvent.Item.ACT_LINK, dev.vigil.event.KernelEvent.Item.ACT_LINKAT, dev.vigil.event.KernelEvent.Item.ACT_SYMLINK,
                dev.vigil.event.KernelEvent.Item.ACT_SYMLINKAT};
            for (int i = 0; i < names.length; i++) actions.put("VIGIL_ACT_" + names[i], (long) java[i]);
            assertThat(obj.btfEnum("vigil_call_action")).isEqualTo(actions);
            assertThat(obj.btfEnum("vigil_item_kind")).isEqualTo(Map.of("VIGIL_ITEM_SYSCALL", (long) dev.vigil.event.KernelEvent.Item.SYSCALL,
                    "VIGIL_ITEM_FILE", (long) dev.vigil.event.KernelEvent.Item.FILE, "VIGIL_ITEM_NET", (long) dev.vigil.event.KernelEvent.Item.NET,
                    "VIGIL_ITEM_RISKY", (long) dev.vigil.event.KernelEvent.Item.RISKY));
            assertThat(obj.btfEnum("vigil_slot_reason")).isEqualTo(Map.of("VIGIL_SLOT_NEW", (long) dev.vigil.event.KernelEvent.Slot.NEW,
                    "VIGIL_SLOT_ROOT", (long) dev.vigil.event.KernelEvent.Slot.ROOT, "VIGIL_SLOT_RUNNING", (long) dev.vigil.event.KernelEvent.Slot.RUNNING));
            Map<String, Long> classes = new LinkedHashMap<>();
            classes.put("VIGIL_NET_ANY", (long) dev.vigil.event.KernelEvent.Item.NET_ANY);
            classes.put("VIGIL_NET_LOOPBACK", (long) dev.vigil.event.KernelEvent.Item.NET_LOOPBACK);
            classes.put("VIGIL_NET_PRIVATE", (long) dev.vigil.event.KernelEvent.Item.NET_PRIVATE);
            classes.put("VIGIL_NET_LINK_LOCAL", (long) dev.vigil.event.KernelEvent.Item.NET_LINK_LOCAL);
            classes.put("VIGIL_NET_MULTICAST", (long) dev.vigil.event.KernelEvent.Item.NET_MULTICAST);
            classes.put("VIGIL_NET_PUBLIC", (long) dev.vigil.event.KernelEvent.Item.NET_PUBLIC);
            classes.put("VIGIL_NET_UNIX", (long) dev.vigil.event.KernelEvent.Item.NET_UNIX);
            assertThat(obj.btfEnum("vigil_net_class")).isEqualTo(classes);
            assertThat(obj.btfEnum("vigil_workload_stat")).isEqualTo(Map.of("WST_SLOTS_FULL", 2L, "WST_ITEMS", 3L, "WST_PATH_TRUNCATED", 4L, "WST_RUNTIME_INIT", 5L, "WST_NO_STACK", 6L, "WST_STACK_SHORT", 7L, "WST_MAPS", 8L, "WST_MAPS_CUT", 9L, "WST_COUNT", 10L));
        }
        // the Java twin of the kernel machine uses the same numbers
        assertThat(List.of(dev.vigil.detect.sequence.PhMachine.TRAINING, dev.vigil.detect.sequence.PhMachine.NORMAL,
                dev.vigil.detect.sequence.PhMachine.REASON_TRAINED, dev.vigil.detect.sequence.PhMachine.REASON_TOLERIZED))
                .containsExactly(dev.vigil.event.SequenceProfile.TRAINING, dev.vigil.event.SequenceProfile.NORMAL,
                        dev.vigil.event.SequenceProfile.REASON_TRAINED, dev.vigil.event.SequenceProfile.REASON_TOLERIZED);
    }
}
