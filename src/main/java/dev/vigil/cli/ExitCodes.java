package dev.vigil.cli;

/** vigil's exit codes; the only place they are defined. */
final class ExitCodes {
    static final int OK = 0;
    /** An unexpected failure (a bug, or an I/O error). */
    static final int ERROR = 1;
    /** Unknown flag, missing or bad argument. */
    static final int USAGE = 2;
    /** --pid names no running process. */
    static final int NO_SUCH_PROCESS = 3;
    /** Not root, and no CAP_BPF + CAP_PERFMON. */
    static final int NO_PRIVILEGE = 4;
    /** A data or model file that cannot be used (malformed CSV, corrupt or mismatched model). */
    static final int BAD_INPUT = 5;
    /** The kernel lacks something vigil needs (BTF, a tracepoint). */
    static final int KERNEL_FEATURE = 6;
    /** The target process exited while vigil watched it; everything up to then is kept. */
    static final int TARGET_EXITED = 7;
    /** A check of `vigil doctor` failed. */
    static final int CHECK_FAILED = 8;
    /** The BPF side failed for another reason (the message names the operation and errno). */
    static final int BPF_ERROR = 9;

    private ExitCodes() {}
}
