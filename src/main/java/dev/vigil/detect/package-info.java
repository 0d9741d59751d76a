/**
 * Detector algorithms over call sequences and histograms (stide, n-grams, lookahead pairs, pH, the
 * autoencoder, GRU and mixture language models, the rate-of-change feature). May import store and syscall.
 */
package dev.vigil.detect;

