/**
 * Saved files: versioned, self-describing, written to a temporary file and renamed (models, detector
 * files, the sequence profiles' snapshot). Imports nothing of vigil.
 */
package dev.vigil.store;

