/**
 * What the host says about a process: /proc and cgroupfs readers, the context exec events gave
 * (command lines, ancestry), the facts the detectors ask (live or replayed), the alert's description of
 * a process, and the parking of events that arrive before their process is known. May import event,
 * syscall (risky calls' targets) and alert (it describes processes in the alert's terms).
 */
package dev.vigil.host;

