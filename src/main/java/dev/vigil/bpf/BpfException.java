package dev.vigil.bpf;

import dev.vigil.syscall.Errno;

/**
 * A libbpf or kernel operation failed. The message names the operation and the errno
 * ("attach tracepoint raw_syscalls/sys_enter: EPERM (Operation not permitted)"); when a
 * program failed to load, {@link #verifierLog()} holds the kernel verifier's log.
 * Immutable and thread-safe.
 */
public class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String operation;
    private final int errno;
    private final String verifierLog;

    public BpfException(String operation, int errno) {
        this(operation, errno, "");
    }

    public BpfException(String operation, int errno, String verifierLog) {
        super(operation + ": " + Errno.describe(errno));
        this.operation = operation;
        this.errno = errno;
        this.verifierLog = verifierLog == null ? "" : verifierLog;
    }

    /** The operation that failed, e.g. "load syscall_histogram". */
    public String operation() { return operation; }

    /** The positive errno value, or 0 when the failure carried none. */
    public int errno() { return errno; }

    /** The kernel verifier log of a failed load, or an empty string. */
    public String verifierLog() { return verifierLog; }

    /** True when the error means the caller lacks privileges (EPERM or EACCES). */
    public boolean isPermissionDenied() { return errno == Errno.EPERM || errno == Errno.EACCES; }
}
