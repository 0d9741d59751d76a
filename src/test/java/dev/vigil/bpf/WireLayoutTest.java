package dev.vigil.bpf;

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
}
