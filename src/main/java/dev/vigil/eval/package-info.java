/**
 * Offline evaluation: ROC, AUC, reports and plots. May import detect, trace, syscall and store.
 */
package dev.vigil.eval;

