package dev.vigil.cli;

/** A failure to report as one line with a given exit code. */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }
}
