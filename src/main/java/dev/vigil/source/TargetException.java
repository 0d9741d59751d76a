package dev.vigil.source;

/** The processes to follow cannot be followed: a command that is not there or died before its exec. One line. */
public final class TargetException extends RuntimeException {
    public TargetException(String message) { super(message); }
}
