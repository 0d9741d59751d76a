package dev.vigil.alert;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a fixed loopback port to a target port, which a test can cut (the listening
 * socket and every connection closed: the brokers are unreachable) and restore on the same
 * port. For the Kafka tests, with the broker's advertised listener pointing at the proxy.
 */
public final class CuttableProxy implements AutoCloseable {
    private final int port, target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    public CuttableProxy(int port, int target) {
        this.port = port;
        this.target = target;
    }

    /** A free port for the proxy, chosen before the broker is configured. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public synchronized void up() throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server = ss;
        Thread.ofPlatform().daemon().name("proxy-" + port).start(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket c = ss.accept();
                    Socket b = new Socket(InetAddress.getLoopbackAddress(), target);
                    open.add(c);
                    open.add(b);
                    pipe(c, b);
                    pipe(b, c);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException ignored) {
                // cut
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closed already
                }
            }
        });
    }

    public synchronized void cut() throws IOException {
        if (server != null) server.close();
        for (Socket s : open) s.close();
        open.clear();
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
