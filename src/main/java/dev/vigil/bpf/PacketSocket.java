package dev.vigil.bpf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.vigil.syscall.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A raw AF_PACKET socket bound to one interface with a BPF socket filter attached
 * (SO_ATTACH_BPF), as BCC's socket-filter examples use: the filter sees every frame the
 * interface sends or receives. The caller owns it and must close it; not thread-safe.
 * Needs CAP_NET_RAW.
 */
public final class PacketSocket implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = libc("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private static final int AF_PACKET = 17, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, ETH_P_ALL = 0x0003;
    private static final int SOL_SOCKET = 1, SO_ATTACH_BPF = 50;

    private final String iface;
    private int fd;

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, ERRNO);
    }

    private PacketSocket(String iface, int fd) {
        this.iface = iface;
        this.fd = fd;
    }

    /** The interface's index, or 0 when there is no such interface. */
    public static int interfaceIndex(String iface) {
        try (Arena a = Arena.ofConfined()) {
            return (int) IF_NAMETOINDEX.invokeExact(Libbpf.callState(a), a.allocateFrom(iface));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Opens a packet socket on iface and attaches the socket-filter program programFd to it. */
    public static PacketSocket open(String iface, int programFd) {
        int index = interfaceIndex(iface);
        if (index == 0) throw new BpfException("find network interface " + iface, Errno.ENODEV);
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a);
            fd = (int) SOCKET.invokeExact(state, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, (int) Short.reverseBytes((short) ETH_P_ALL) & 0xffff);
            if (fd < 0) throw new BpfException("open packet socket", Libbpf.errno(state));
            PacketSocket s = new PacketSocket(iface, fd);
            try {
                MemorySegment opt = a.allocateFrom(JAVA_INT, programFd);
                int rc = (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_ATTACH_BPF, opt, 4);
                if (rc != 0) throw new BpfException("attach socket filter to " + iface, Libbpf.errno(state));
                // struct sockaddr_ll: family u16, protocol be16, ifindex s32, hatype u16, pkttype u8, halen u8, addr[8]
                MemorySegment sll = a.allocate(20, 4);
                sll.set(JAVA_SHORT, 0, (short) AF_PACKET);
                sll.set(JAVA_SHORT, 2, Short.reverseBytes((short) ETH_P_ALL));
                sll.set(JAVA_INT, 4, index);
                sll.set(JAVA_BYTE, 10, (byte) 0);
                rc = (int) BIND.invokeExact(state, fd, sll, 20);
                if (rc != 0) throw new BpfException("bind packet socket to " + iface, Libbpf.errno(state));
                return s;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public String iface() { return iface; }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                int rc = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            fd = -1;
        }
    }
}
