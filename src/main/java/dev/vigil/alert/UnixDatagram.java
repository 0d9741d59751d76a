package dev.vigil.alert;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * An AF_UNIX datagram socket (what /dev/log is; java.nio has unix-domain stream sockets
 * only), bound over java.lang.foreign to libc's socket, bind, sendto, recv and close.
 * Closed by its one owner; send is safe from several threads, receive from one.
 */
final class UnixDatagram implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = libc("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = libc("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000, SUN_PATH = 108, MSG_NOSIGNAL = 0x4000, MSG_DONTWAIT = 0x40, EAGAIN = 11;
    private static final int SOL_SOCKET = 1, SO_RCVTIMEO = 20;

    private final int fd;
    private volatile boolean closed;

    private static MethodHandle libc(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d, ERRNO);
    }

    private UnixDatagram(int fd) { this.fd = fd; }

    /** An unbound socket to send from. */
    static UnixDatagram open() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int fd = (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new IOException("socket(AF_UNIX, SOCK_DGRAM): errno " + errno(st));
            return new UnixDatagram(fd);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A socket bound at path, to receive on (tests, a local collector); receive waits at most timeoutMs. */
    static UnixDatagram bind(String path, int timeoutMs) throws IOException {
        UnixDatagram s = open();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int rc = (int) BIND.invokeExact(st, s.fd, address(a, path), 2 + SUN_PATH);
            if (rc != 0) throw new IOException("bind " + path + ": errno " + errno(st));
            MemorySegment tv = a.allocate(16);
            tv.set(JAVA_LONG, 0, timeoutMs / 1000);
            tv.set(JAVA_LONG, 8, (timeoutMs % 1000) * 1000L);
            rc = (int) SETSOCKOPT.invokeExact(st, s.fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            if (rc != 0) throw new IOException("setsockopt SO_RCVTIMEO: errno " + errno(st));
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        } catch (Throwable t) {
            s.close();
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment address(Arena a, String path) throws IOException {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length >= SUN_PATH) throw new IOException("unix socket path too long: " + path);
        MemorySegment sa = a.allocate(2 + SUN_PATH, 2);
        sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, sa, JAVA_BYTE, 2, p.length);
        return sa;
    }

    /** The receiver's queue is full: the datagram was not sent (never waited for). */
    static final class WouldBlock extends IOException {
        private static final long serialVersionUID = 1L;

        WouldBlock(String path) { super("send to " + path + ": its queue is full (nobody reads it fast enough)"); }
    }

    /** Sends one datagram to the socket at path without waiting: a full queue is {@link WouldBlock}. */
    void send(String path, byte[] message) throws IOException {
        if (closed) throw new IOException("socket closed");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocateFrom(JAVA_BYTE, message);
            long n = (long) SENDTO.invokeExact(st, fd, buf, (long) message.length, MSG_NOSIGNAL | MSG_DONTWAIT, address(a, path), 2 + SUN_PATH);
            if (n < 0) {
                int err = errno(st);
                if (err == EAGAIN) throw new WouldBlock(path);
                throw new IOException("send to " + path + ": " + describe(err));
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The next datagram, or null when none came in time. */
    byte[] receive(int max) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(max);
            long n = (long) RECV.invokeExact(st, fd, buf, (long) max, 0);
            if (n < 0) {
                int e = errno(st);
                if (e == 11 || e == 4) return null; // EAGAIN (timeout), EINTR
                throw new IOException("recv: errno " + e);
            }
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int errno(MemorySegment st) {
        return st.get(JAVA_INT, CALL_STATE.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno")));
    }

    private static String describe(int errno) {
        return switch (errno) {
            case 2 -> "no such socket (ENOENT)";
            case 111 -> "nobody listens (ECONNREFUSED)";
            case 11 -> "receiver's queue full (EAGAIN)";
            case 13 -> "permission denied (EACCES)";
            case 90 -> "message too long (EMSGSIZE)";
            default -> "errno " + errno;
        };
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) CLOSE.invokeExact(a.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
