/**
 * The commands that follow processes: monitor windows, record, trace output, the autoencoder's
 * histogram sampling and alerts. May import event, source, detect, trace, sensor, host, store, alert,
 * profile and syscall.
 */
package dev.vigil.follow;

