/**
 * One {@link dev.vigil.sensor.Sensor} per BPF object (load, attach, read, close), the wire layouts of
 * events.h checked against BTF, and the map readers; ring-buffer upcalls copy bytes, decoders produce
 * event records. May import bpf, event, syscall and host (a process id from /proc).
 */
package dev.vigil.sensor;

