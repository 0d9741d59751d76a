package dev.vigil.syscall;

import java.util.Map;

/** errno names for the values libbpf and the bpf(2) syscall return. */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9,
            EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19,
            EINVAL = 22, EMFILE = 24, ENOSPC = 28, ENOSYS = 38, EOPNOTSUPP = 95, ENOTSUPP = 524;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM (Operation not permitted)"),
            Map.entry(ENOENT, "ENOENT (No such file or directory)"),
            Map.entry(ESRCH, "ESRCH (No such process)"),
            Map.entry(EINTR, "EINTR (Interrupted system call)"),
            Map.entry(E2BIG, "E2BIG (Argument list too long)"),
            Map.entry(EBADF, "EBADF (Bad file descriptor)"),
            Map.entry(EAGAIN, "EAGAIN (Resource temporarily unavailable)"),
            Map.entry(ENOMEM, "ENOMEM (Cannot allocate memory)"),
            Map.entry(EACCES, "EACCES (Permission denied)"),
            Map.entry(101, "ENETUNREACH (Network is unreachable)"),
            Map.entry(110, "ETIMEDOUT (Connection timed out)"),
            Map.entry(111, "ECONNREFUSED (Connection refused)"),
            Map.entry(113, "EHOSTUNREACH (No route to host)"),
            Map.entry(EFAULT, "EFAULT (Bad address)"),
            Map.entry(EBUSY, "EBUSY (Device or resource busy)"),
            Map.entry(EEXIST, "EEXIST (File exists)"),
            Map.entry(ENODEV, "ENODEV (No such device)"),
            Map.entry(EINVAL, "EINVAL (Invalid argument)"),
            Map.entry(EMFILE, "EMFILE (Too many open files)"),
            Map.entry(ENOSPC, "ENOSPC (No space left on device)"),
            Map.entry(ENOSYS, "ENOSYS (Function not implemented)"),
            Map.entry(EOPNOTSUPP, "EOPNOTSUPP (Operation not supported)"),
            Map.entry(ENOTSUPP, "ENOTSUPP (Operation not supported by the kernel)"),
            Map.entry(4001, "LIBBPF_ERRNO__LIBELF (Something wrong in libelf)"),
            Map.entry(4002, "LIBBPF_ERRNO__FORMAT (BPF object format invalid)"),
            Map.entry(4003, "LIBBPF_ERRNO__KVERSION (Incorrect or no 'version' section)"),
            Map.entry(4004, "LIBBPF_ERRNO__ENDIAN (Endian mismatch)"),
            Map.entry(4005, "LIBBPF_ERRNO__INTERNAL (Internal error in libbpf)"),
            Map.entry(4006, "LIBBPF_ERRNO__RELOC (Relocation failed)"),
            Map.entry(4007, "LIBBPF_ERRNO__LOAD (Load program failed for unknown reason)"),
            Map.entry(4008, "LIBBPF_ERRNO__VERIFY (Kernel verifier blocks program loading)"),
            Map.entry(4009, "LIBBPF_ERRNO__PROG2BIG (Program too big)"),
            Map.entry(4010, "LIBBPF_ERRNO__KVER (Incorrect kernel version)"),
            Map.entry(4011, "LIBBPF_ERRNO__PROGTYPE (Kernel doesn't support this program type)"),
            Map.entry(4012, "LIBBPF_ERRNO__WRNGPID (Wrong pid in netlink message)"),
            Map.entry(4013, "LIBBPF_ERRNO__INVSEQ (Invalid netlink sequence)"),
            Map.entry(4014, "LIBBPF_ERRNO__NLPARSE (netlink parse error)"));

    private Errno() {}

    /** "EPERM (Operation not permitted)" for 1; "errno 1234" for values without a name. */
    public static String describe(int errno) {
        if (errno == 0) return "failed";
        return NAMES.getOrDefault(Math.abs(errno), "errno " + Math.abs(errno));
    }
}
