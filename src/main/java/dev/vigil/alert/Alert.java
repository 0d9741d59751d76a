package dev.vigil.alert;

import dev.vigil.detect.Score;
import java.time.Instant;

/** One detection: when, which process, and its score with the explanation. Immutable. */
public record Alert(Instant time, long pid, String comm, Score score) {}
