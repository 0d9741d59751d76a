/**
 * The thin libbpf binding over java.lang.foreign: objects, programs, links, maps, ring buffers,
 * libbpf's log, tracefs and packet sockets. No detection logic. Imports only syscall (errno names).
 */
package dev.vigil.bpf;

