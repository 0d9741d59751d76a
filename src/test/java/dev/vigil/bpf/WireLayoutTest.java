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
}
