package dev.vigil.detect;

import java.util.List;

/**
 * How anomalous one observation is: its error, the threshold it is judged against, and
 * the features that contributed most (for an autoencoder: the syscalls with the largest
 * reconstruction error). Immutable.
 */
public record Score(double error, double threshold, List<Contribution> top) {
    public record Contribution(int feature, double error) {}

    public boolean anomalous() { return error > threshold; }
}
