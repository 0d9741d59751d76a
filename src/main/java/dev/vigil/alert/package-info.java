/**
 * The one Alert, its text and JSON forms, dedup and rate limits, and the outputs (stdout, file,
 * syslog, webhook, Kafka) with their metrics. Imports nothing of vigil.
 */
package dev.vigil.alert;

