package dev.vigil.bpf;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
            for (var l : java.util.List.of(dev.vigil.collect.SequenceWire.EVENT, dev.vigil.collect.SequenceWire.PROFILE,
                    dev.vigil.collect.SequenceWire.PROFILE_KEY)) {
                String name = l.name().orElseThrow();
                assertThat(BtfStruct.of(name, l)).as(name).isEqualTo(obj.btfStruct(name));
            }
        }
    }

    @Test
    void collectorStructsMatchBtf() {
        record Obj(String object, java.util.List<java.lang.foreign.StructLayout> layouts) {}
        var all = java.util.List.of(
                new Obj("exec", java.util.List.of(dev.vigil.collect.EventWire.HEADER, dev.vigil.collect.EventWire.EXEC, dev.vigil.collect.EventWire.EXIT)),
                new Obj("unlink", java.util.List.of(dev.vigil.collect.EventWire.UNLINK)),
                new Obj("risky", java.util.List.of(dev.vigil.collect.EventWire.RISKY)),
                new Obj("net", java.util.List.of(dev.vigil.collect.EventWire.FLOW_KEY, dev.vigil.collect.EventWire.FLOW)),
                new Obj("resource", java.util.List.of(dev.vigil.collect.EventWire.PROC_USAGE)),
                new Obj("record", java.util.List.of(dev.vigil.collect.EventWire.HEADER, dev.vigil.collect.EventWire.REC_CALL,
                        dev.vigil.collect.EventWire.REC_PROC)));
        for (Obj o : all) {
            try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/" + o.object() + ".bpf.o")) {
                for (var l : o.layouts()) {
                    String name = l.name().orElseThrow();
                    assertThat(BtfStruct.of(name, l)).as(o.object() + ": " + name).isEqualTo(obj.btfStruct(name));
                }
            }
        }
    }

    @Test
    void sharedEnumsMatchBtf() {
        Map<String, Long> javaTypes = new LinkedHashMap<>();
        javaTypes.put("VIGIL_EV_TEST", 1L);
        javaTypes.put("VIGIL_EV_ANOMALY", (long) dev.vigil.collect.SequenceWire.EV_ANOMALY);
        javaTypes.put("VIGIL_EV_STATE", (long) dev.vigil.collect.SequenceWire.EV_STATE);
        javaTypes.put("VIGIL_EV_PROFILE_NEW", (long) dev.vigil.collect.SequenceWire.EV_PROFILE_NEW);
        javaTypes.put("VIGIL_EV_EXEC", (long) dev.vigil.collect.EventWire.EV_EXEC);
        javaTypes.put("VIGIL_EV_EXIT", (long) dev.vigil.collect.EventWire.EV_EXIT);
        javaTypes.put("VIGIL_EV_UNLINK", (long) dev.vigil.collect.EventWire.EV_UNLINK);
        javaTypes.put("VIGIL_EV_RISKY", (long) dev.vigil.collect.EventWire.EV_RISKY);
        javaTypes.put("VIGIL_EV_REC_CALL", (long) dev.vigil.collect.EventWire.EV_REC_CALL);
        javaTypes.put("VIGIL_EV_REC_FORK", (long) dev.vigil.collect.EventWire.EV_REC_FORK);
        javaTypes.put("VIGIL_EV_REC_EXEC", (long) dev.vigil.collect.EventWire.EV_REC_EXEC);
        javaTypes.put("VIGIL_EV_REC_EXIT", (long) dev.vigil.collect.EventWire.EV_REC_EXIT);
        for (String o : List.of("sequence", "exec", "record")) {
            try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/" + o + ".bpf.o")) {
                assertThat(obj.btfEnum("vigil_event_type")).as(o + ": event types").isEqualTo(javaTypes);
            }
        }
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/sequence.bpf.o")) {
            assertThat(obj.btfEnum("vigil_profile_state")).isEqualTo(Map.of(
                    "VIGIL_PROFILE_TRAINING", (long) dev.vigil.collect.SequenceWire.TRAINING, "VIGIL_PROFILE_NORMAL", (long) dev.vigil.collect.SequenceWire.NORMAL));
            assertThat(obj.btfEnum("vigil_state_reason")).isEqualTo(Map.of("VIGIL_REASON_TRAINED", (long) dev.vigil.collect.SequenceWire.REASON_TRAINED,
                    "VIGIL_REASON_TOLERIZED", (long) dev.vigil.collect.SequenceWire.REASON_TOLERIZED));
            // the stats slots the Java side names, in order, then the count the map is sized by
            Map<String, Long> stats = new LinkedHashMap<>();
            String[] names = dev.vigil.collect.SequenceCollector.STATS;
            for (int i = 0; i < names.length; i++) stats.put("ST_" + names[i].toUpperCase(java.util.Locale.ROOT), (long) i);
            stats.put("ST_COUNT", 16L);
            assertThat(obj.btfEnum("vigil_seq_stat")).isEqualTo(stats);
        }
        // the Java twin of the kernel machine uses the same numbers
        assertThat(List.of(dev.vigil.detect.sequence.PhMachine.TRAINING, dev.vigil.detect.sequence.PhMachine.NORMAL,
                dev.vigil.detect.sequence.PhMachine.REASON_TRAINED, dev.vigil.detect.sequence.PhMachine.REASON_TOLERIZED))
                .containsExactly(dev.vigil.collect.SequenceWire.TRAINING, dev.vigil.collect.SequenceWire.NORMAL,
                        dev.vigil.collect.SequenceWire.REASON_TRAINED, dev.vigil.collect.SequenceWire.REASON_TOLERIZED);
    }
}
