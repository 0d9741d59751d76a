/**
 * The Java side of the in-kernel sequence detector: its alerts, bursts, the replay twin, pins and
 * profile administration. May import event, detect, sensor, store, source, host, alert and syscall.
 */
package dev.vigil.sequence;

