/**
 * picocli commands: options and wiring only; exit codes are made here and only here. May import
 * anything but sensor, and of bpf only its errors and libbpf's log switch. Nothing imports cli.
 */
package dev.vigil.cli;

