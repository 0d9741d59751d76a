/**
 * System-call tables per architecture, name mapping between them, errno names and the one list of
 * high-risk calls with the decoding of their arguments. Imports nothing of vigil.
 */
package dev.vigil.syscall;

