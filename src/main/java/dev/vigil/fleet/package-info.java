/**
 * The fleet: profile events to Kafka, the fleet service merging them, signed documents, the agent's
 * subscriber. May import profile, alert and store.
 */
package dev.vigil.fleet;

