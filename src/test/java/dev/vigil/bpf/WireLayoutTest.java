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
}
