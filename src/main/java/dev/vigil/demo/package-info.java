/**
 * The demos: the attack demo with its web service, the autoencoder demo with its workload (evilsocket's
 * pipeline), the fleet demo with its in-process Kafka broker. May import agent, config, fleet, follow,
 * detect, trace, host, profile, alert, event, syscall and store.
 */
package dev.vigil.demo;
