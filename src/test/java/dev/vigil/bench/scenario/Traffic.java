package dev.vigil.bench.scenario;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The normal traffic of a scenario, from a thread that has entered the scenario's network
 * namespace (setns(2) moves only the calling thread, and a socket belongs to the namespace
 * of the thread that made it): requests the scenario chooses with a seeded random, 5 to 25
 * a second, each a new connection.
 */
final class Traffic {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final String netns;
    private final Random rnd;
    private final Scenario scenario;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong(), failed = new AtomicLong();
    private Thread thread;

    Traffic(String netns, long seed, Scenario scenario) {
        this.netns = netns;
        this.rnd = new Random(seed);
        this.scenario = scenario;
    }

    long requests() { return requests.get(); }

    long failed() { return failed.get(); }

    /** Moves the calling thread into the named network namespace. */
    static void enter(String netns) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom("/run/netns/" + netns), 0);
            if (fd < 0) throw new IllegalStateException("cannot open /run/netns/" + netns);
            int r = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
            int ignored = (int) CLOSE.invokeExact(fd);
            if (r != 0) throw new IllegalStateException("setns into " + netns + " failed");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sends one request from a thread of its own inside the namespace; returns the reply's first line. */
    static String once(String netns, int port, String request) throws Exception {
        String[] reply = {""};
        Thread t = Thread.ofPlatform().start(() -> {
            enter(netns);
            try {
                reply[0] = send(port, request);
            } catch (IOException e) {
                reply[0] = "failed: " + e.getMessage();
            }
        });
        t.join(30_000);
        return reply[0];
    }

    static String send(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int nl = all.indexOf('\n');
            return nl < 0 ? all : all.substring(0, nl).strip();
        }
    }

    void start() {
        thread = Thread.ofPlatform().name("scenario-traffic").daemon().start(() -> {
            enter(netns);
            while (!stop.get()) {
                Scenario.Request r = scenario.normal(rnd);
                try {
                    send(r.port(), r.text());
                    requests.incrementAndGet();
                } catch (IOException e) {
                    failed.incrementAndGet();
                }
                try {
                    Thread.sleep(40 + rnd.nextInt(160));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void stop() throws InterruptedException {
        stop.set(true);
        if (thread != null) {
            thread.interrupt();
            thread.join(15_000);
        }
    }
}
