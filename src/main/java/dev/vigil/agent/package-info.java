/**
 * The service only: one wiring of detectors, context and outputs from one config, its run modes (live,
 * replay of events, replay of traces), the event recording, and doctor. May import everything but
 * follow, demo and cli.
 */
package dev.vigil.agent;

