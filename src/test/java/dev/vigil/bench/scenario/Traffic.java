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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The normal traffic of a scenario, from threads that have entered the scenario's network
 * namespace (setns(2) moves only the calling thread, and a socket belongs to the namespace
 * of the thread that made it): requests the scenario chooses with a seeded random. {@link
 * #start} paces one client at 5 to 25 requests a second; {@link #load} runs closed-loop
 * clients as fast as the service answers, for throughput and latency.
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

    private final Env env;
    private final Random rnd;
    private final Scenario scenario;
    private final AtomicBoolean stop = new AtomicBoolean(), paused = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong(), failed = new AtomicLong();
    private volatile String lastFailure = "";
    private Thread thread;

    Traffic(Env env, long seed, Scenario scenario) {
        this.env = env;
        this.rnd = new Random(seed);
        this.scenario = scenario;
    }

    long requests() { return requests.get(); }

    /** Holds the traffic (after the request in flight) or lets it go on. */
    void pause(boolean p) throws InterruptedException {
        paused.set(p);
        if (p) Thread.sleep(1000); // a request in flight finishes (or times out into a failure)
    }

    long failed() { return failed.get(); }

    String lastFailure() { return lastFailure; }

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

    /** Something done on a network socket: it may fail with an I/O error. */
    interface OnSocket {
        String run() throws IOException;
    }

    /** Runs f on a thread of its own inside the namespace; its result, or what failed. */
    private static String inNamespace(Env env, OnSocket f, String failed) throws InterruptedException {
        String[] out = {""};
        Thread t = Thread.ofPlatform().start(() -> {
            enter(env.netns());
            try {
                out[0] = f.run();
            } catch (IOException e) {
                out[0] = failed.isEmpty() ? "" : failed + e.getMessage();
            }
        });
        t.join(30_000);
        return out[0] == null ? "" : out[0];
    }

    /** Sends one raw request from a thread of its own inside the namespace; returns the reply. */
    static String once(Env env, int port, String request) throws Exception {
        return inNamespace(env, () -> send(port, request), "failed: ");
    }

    static String send(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Connects from a thread inside the namespace and reads the first line the server sends (a banner), or "" when none comes. */
    static String banner(Env env, int port) throws Exception {
        return inNamespace(env, () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5_000);
                return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            }
        }, "");
    }

    /** Sends one request (the calling thread is in the namespace); throws when it failed. */
    void send(Scenario.Request r) throws IOException, InterruptedException {
        switch (r) {
            case Scenario.Request.Raw raw -> {
                String reply = send(raw.port(), raw.text());
                if (reply.isEmpty()) throw new IOException("no reply from port " + raw.port());
            }
            case Scenario.Request.Call call -> call.local().run();
            case Scenario.Request.Run run -> {
                dev.vigil.testing.Command.Result res = env.client(30, run.command().toArray(String[]::new));
                if (!res.ok()) throw new IOException(String.join(" ", run.command()) + ": exit " + res.code() + ": " + res.output().strip());
            }
        }
    }

    void start() {
        thread = Thread.ofPlatform().name("scenario-traffic").daemon().start(() -> {
            enter(env.netns());
            while (!stop.get()) {
                try {
                    if (paused.get()) {
                        Thread.sleep(50);
                        continue;
                    }
                    send(scenario.normal(rnd));
                    requests.incrementAndGet();
                } catch (IOException e) {
                    failed.incrementAndGet();
                    lastFailure = e.getMessage();
                } catch (InterruptedException e) {
                    return;
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
            thread.join(40_000);
        }
    }

    /** What a load round measured: requests answered, failed, per second, and latency percentiles. */
    record Load(long ok, long failed, double perSecond, double p50Ms, double p99Ms) {}

    /** clients closed-loop clients (seeded from seed) for the given time; the requests per second and latencies. */
    static Load load(Env env, Scenario s, int clients, long millis, long seed) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        List<long[]> lat = new ArrayList<>();
        AtomicLong fails = new AtomicLong();
        long end = System.nanoTime() + millis * 1_000_000;
        Traffic sender = new Traffic(env, seed, s);
        for (int c = 0; c < clients; c++) {
            long[] mine = new long[1 << 20];
            lat.add(mine);
            Random rnd = new Random(seed * 31 + c);
            threads.add(Thread.ofPlatform().name("scenario-load-" + c).start(() -> {
                enter(env.netns());
                int n = 0;
                while (System.nanoTime() < end && n < mine.length - 1) {
                    long t0 = System.nanoTime();
                    try {
                        sender.send(s.normal(rnd));
                        mine[++n] = System.nanoTime() - t0;
                    } catch (IOException e) {
                        fails.incrementAndGet();
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                mine[0] = n;
            }));
        }
        for (Thread t : threads) t.join();
        int total = lat.stream().mapToInt(a -> (int) a[0]).sum();
        long[] all = new long[total];
        int i = 0;
        for (long[] a : lat) {
            System.arraycopy(a, 1, all, i, (int) a[0]);
            i += (int) a[0];
        }
        Arrays.sort(all);
        double p50 = total == 0 ? 0 : all[total / 2] / 1e6, p99 = total == 0 ? 0 : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6;
        return new Load(total, fails.get(), total * 1000.0 / millis, p50, p99);
    }
}
