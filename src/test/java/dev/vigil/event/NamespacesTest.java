package dev.vigil.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Whether a process is in a container's pid namespace or below it, from the namespaces the kernel read at its exec. */
class NamespacesTest {
    static final long HOST = 4026531836L, CONTAINER = 4026532500L, NESTED = 4026532600L, OTHER = 4026532700L;

    @Test
    void aProcessIsInsideOnlyWhenTheContainersNamespaceIsAmongItsLevels() {
        assertThat(new KernelEvent.Namespaces(1, 0, List.of(HOST)).inOrBelow(CONTAINER)).as("a host process").isFalse();
        assertThat(new KernelEvent.Namespaces(1, 1, List.of(HOST, OTHER)).inOrBelow(CONTAINER)).as("another container's").isFalse();
        assertThat(new KernelEvent.Namespaces(1, 1, List.of(HOST, CONTAINER)).inOrBelow(CONTAINER)).as("the container's own").isTrue();
        assertThat(new KernelEvent.Namespaces(1, 2, List.of(HOST, CONTAINER, NESTED)).inOrBelow(CONTAINER)).as("a namespace below it").isTrue();
        assertThat(new KernelEvent.Namespaces(1, 2, List.of(HOST, CONTAINER, NESTED)).pid()).isEqualTo(NESTED);
        assertThat(new KernelEvent.Namespaces(1, 5, List.of(HOST, OTHER, OTHER + 1, OTHER + 2)).inOrBelow(CONTAINER))
                .as("deeper than the levels read: cannot be told, so not alerted").isTrue();
        assertThat(KernelEvent.Namespaces.UNKNOWN.inOrBelow(CONTAINER)).as("a recording made before").isTrue();
        assertThat(new KernelEvent.Namespaces(1, 0, List.of(HOST)).inOrBelow(0)).as("the container's own namespace unknown").isTrue();
    }
}
