/**
 * The workload detector: the profiler of first sights, the lineage of processes into workloads,
 * novelty groups. May import event, profile, host, alert and syscall.
 */
package dev.vigil.workload;

