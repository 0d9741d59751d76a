/**
 * One stream of calls per followed process, live (the recorder) or replayed (trace folders): what
 * lies below it cannot tell the two apart. May import event, sensor, host, trace and syscall.
 */
package dev.vigil.source;

