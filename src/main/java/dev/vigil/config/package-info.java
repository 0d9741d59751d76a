/**
 * The YAML reader with file:line errors, and the trace and agent configs built from it. May import
 * event, sensor (its settings), alert (limits, outputs), profile (learning), host (cgroup ids) and syscall.
 */
package dev.vigil.config;

