package dev.vigil.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The namespaces the kernel read at an exec go into a recording and come back, so a replay judges containers as the live agent did. */
class EventLogNamespacesTest {
    @Test
    void execAndSlotNamespacesRoundTrip(@TempDir Path dir) throws Exception {
        KernelEvent.Who who = new KernelEvent.Who(10, 10, 1, 0, 5, 7, "cat");
        var ns = new KernelEvent.Namespaces(4026531841L, 1, List.of(4026531836L, 4026532500L));
        var exec = new KernelEvent.Exec(who, "/usr/bin/cat", List.of("cat", "x"), false, "/usr/bin/sh", "/usr/bin/cat", 0, 3, 9, ns);
        var slot = new KernelEvent.Slot(who, 4, KernelEvent.Slot.NEW, "/usr/bin/cat", List.of("cat", "x"), false, "/usr/bin/cat", 0, 3, 9, ns);
        var none = new KernelEvent.Exec(who, "/usr/bin/cat", List.of("cat"), false);
        Path file = dir.resolve("events.jsonl");
        Instant t = Instant.parse("2026-12-06T00:00:00Z");
        try (EventLog.Writer w = new EventLog.Writer(file)) {
            w.event(exec, t);
            w.event(slot, t);
            w.event(none, t);
        }
        List<KernelEvent> back = EventLog.read(file).entries().stream().map(e -> ((EventLog.Event) e).event()).toList();
        assertThat(((KernelEvent.Exec) back.get(0)).ns()).isEqualTo(ns);
        assertThat(((KernelEvent.Slot) back.get(1)).ns()).isEqualTo(ns);
        assertThat(((KernelEvent.Exec) back.get(2)).ns()).isEqualTo(KernelEvent.Namespaces.UNKNOWN);
    }
}
