package dev.vigil.bpf;

import dev.vigil.testing.KernelTest;
import dev.vigil.testing.Native;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@KernelTest
class RingBufferKernelTest {
    private static final String OBJECT = "/dev/vigil/bpf/ringbuf_test.bpf.o";

    @Test
    void deliversOneEventPerGetppidOfTheTargetInOrder() throws Exception {
        int n = 5_000;
        ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        try (Native.GetppidLoop child = Native.getppidLoop(n);
             BpfObject obj = BpfObject.openResource(getClass(), OBJECT)) {
            obj.setGlobal("target_tgid", child.pid()).load();
            obj.attach("vigil_rb_test");
            try (RingBuffer rb = new RingBuffer(obj.map("events"), queue::add)) {
                child.go();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (rb.received() < n && System.nanoTime() < deadline) rb.poll(100);
                rb.poll(50); // nothing more must come
                assertThat(rb.received()).isEqualTo(n);
                assertThat(rb.sinkErrors()).isZero();
            }
            assertThat(obj.map("counters").lookupU64Sum(0)).isEqualTo(n);
            List<TestEvent> events = new ArrayList<>();
            for (byte[] b : queue) events.add(TestEvent.decode(b));
            for (int i = 0; i < n; i++) {
                TestEvent e = events.get(i);
                assertThat(e.type()).isEqualTo(1);
                assertThat(e.seq()).isEqualTo(i + 1);
                assertThat(e.tgid()).isEqualTo((int) child.pid());
                assertThat(e.pid()).isEqualTo((int) child.pid());
                if (i > 0) assertThat(e.ktimeNs()).isGreaterThanOrEqualTo(events.get(i - 1).ktimeNs());
            }
        }
    }

    @Test
    void aFullQueuePausesConsumptionAndLosesNothing() throws Exception {
        int n = 5_000; // fits the 256 KiB ring: the child runs to its end before the first poll
        List<Long> seqs = new ArrayList<>();
        try (Native.GetppidLoop child = Native.getppidLoop(n);
             BpfObject obj = BpfObject.openResource(getClass(), OBJECT)) {
            obj.setGlobal("target_tgid", child.pid()).load();
            obj.attach("vigil_rb_test");
            // 16 records between the upcall and the sink: every poll pauses many times
            try (RingBuffer rb = new RingBuffer(obj.map("events"), b -> seqs.add(TestEvent.decode(b).seq()), 16)) {
                child.go();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (seqs.size() < n && System.nanoTime() < deadline) rb.poll(100);
                assertThat(rb.pauses()).as("the queue filled and consumption paused").isGreaterThan(n / 16 / 2);
                assertThat(rb.received()).isEqualTo(n);
            }
        }
        assertThat(seqs).hasSize(n);
        for (int i = 0; i < n; i++) assertThat(seqs.get(i)).isEqualTo(i + 1);
    }

    @Test
    void aSinkThatThrowsIsCountedAndDoesNotKillTheJvm() throws Exception {
        try (Native.GetppidLoop child = Native.getppidLoop(10);
             BpfObject obj = BpfObject.openResource(getClass(), OBJECT)) {
            obj.setGlobal("target_tgid", child.pid()).load();
            obj.attach("vigil_rb_test");
            try (RingBuffer rb = new RingBuffer(obj.map("events"), b -> { throw new IllegalStateException("boom"); })) {
                child.go();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (rb.sinkErrors() < 10 && System.nanoTime() < deadline) rb.poll(100);
                assertThat(rb.sinkErrors()).isEqualTo(10);
            }
        }
    }

    @Test
    void mapIterationSeesEveryKey() {
        try (BpfObject obj = BpfObject.openResource(getClass(), "/dev/vigil/bpf/syscall_histogram.bpf.o")) {
            obj.load();
            BpfMap hist = obj.map("histogram");
            assertThat(hist.keys()).hasSize(513);
            assertThat(hist.isPerCpu()).isTrue();
            assertThat(hist.lookupSize()).isEqualTo(8L * Libbpf.numPossibleCpus());
        }
    }
}
