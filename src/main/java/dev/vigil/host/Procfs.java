package dev.vigil.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What /proc says about a process. Static helpers; thread-safe.
 */
public final class Procfs {
    private Procfs() {}

    /** Thrown when a PID names no running process. */
    public static final class NoSuchProcessException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public NoSuchProcessException(long pid) {
            super("no such process: " + pid);
        }
    }

    public static boolean alive(long pid) {
        if (pid <= 0) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            char state = stat.charAt(close + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The process (thread group) id of a pid or thread id; throws when there is none. */
    public static long tgid(long pid) {
        String status = status(pid);
        for (String line : status.split("\n")) {
            if (line.startsWith("Tgid:")) return Long.parseLong(line.substring(5).trim());
        }
        throw new NoSuchProcessException(pid);
    }

    /** The executable of a running process (/proc/PID/exe), or "" when it cannot be read. */
    public static String exe(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * A NUL-terminated string of at most max bytes at address addr of a running process's
     * memory (/proc/PID/mem, needs ptrace rights: root), or "" when it cannot be read.
     */
    public static String string(long pid, long addr, int max) {
        if (addr == 0) return "";
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(Path.of("/proc", Long.toString(pid), "mem"))) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(max);
            int n = ch.read(b, addr);
            if (n <= 0) return "";
            byte[] a = b.array();
            int len = 0;
            while (len < n && a[len] != 0) len++;
            return len == n && n == max ? "" : new String(a, 0, len, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** At most n bytes at address addr of a running process's memory (/proc/PID/mem), fewer or none when they cannot be read. */
    public static byte[] bytes(long pid, long addr, int n) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(Path.of("/proc", Long.toString(pid), "mem"))) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n);
            int got = ch.read(b, addr);
            return got <= 0 ? new byte[0] : java.util.Arrays.copyOf(b.array(), got);
        } catch (IOException | RuntimeException e) {
            return new byte[0];
        }
    }

    /** The command name (comm) of a process, or "?" when it is gone. */
    public static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** The parent's process id of a running process (/proc/PID/status PPid), or -1 when it is gone. */
    public static int ppid(long pid) {
        try {
            for (String line : status(pid).split("\n")) {
                if (line.startsWith("PPid:")) return Integer.parseInt(line.substring(5).trim());
            }
        } catch (RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** The inode number of a process's namespace of a kind (mnt, pid, ...: /proc/PID/ns/KIND names "KIND:[N]"), or 0 when it cannot be read. */
    public static long namespace(long pid, String kind) {
        if (pid <= 0) return 0;
        try {
            String t = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", kind)).toString();
            int a = t.indexOf('['), b = t.indexOf(']');
            return a > 0 && b > a ? Long.parseLong(t.substring(a + 1, b)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0; // gone, or not ours to read
        }
    }

    private static String status(long pid) {
        if (pid <= 0) throw new NoSuchProcessException(pid);
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        } catch (NoSuchFileException e) {
            throw new NoSuchProcessException(pid);
        } catch (IOException e) {
            throw new NoSuchProcessException(pid);
        }
    }
}
