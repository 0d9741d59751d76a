/**
 * The records decoded from the kernel, the one event model above the sensors: {@link dev.vigil.event.KernelEvent}
 * (exec, exit, unlink, high-risk call, workload slot and item, periodic samples, and the sequence probe's
 * anomalies and state changes), the kernel's enums (actions, network classes, profile states) and the
 * selection a sensor is started with. Imports nothing of vigil.
 */
package dev.vigil.event;

