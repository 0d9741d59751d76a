/**
 * Recorded traces and datasets: trace folders, their file format, ADFA-LD, evilsocket's activity CSV.
 * May import syscall.
 */
package dev.vigil.trace;

