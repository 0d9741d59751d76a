/**
 * Workload profiles: keys, dimensions with their learning lifecycle, items from observations,
 * generalising patterns, allow requests, and where new items are reported. May import event, syscall and
 * store (a profile set's file).
 */
package dev.vigil.profile;

