package dev.vigil.alert;

import java.io.PrintStream;
import java.util.Map;
import java.util.function.Function;

/** Alerts as lines on a stream (stdout), rendered by a function. Thread-safe; does not close the stream. */
public final class StreamOutput implements AlertOutput {
    private final String name;
    private final PrintStream out;
    private final Function<Alert, String> render;
    private final Counts counts = new Counts();

    public StreamOutput(String name, PrintStream out, Function<Alert, String> render) {
        this.name = name;
        this.out = out;
        this.render = render;
    }

    public static StreamOutput stdout(Format f) { return new StreamOutput("stdout", System.out, f::render); }

    @Override
    public String name() { return name; }

    @Override
    public void send(Alert a) {
        String s = render.apply(a);
        synchronized (out) {
            out.println(s);
            out.flush();
            if (out.checkError()) counts.failed.incrementAndGet();
            else counts.sent.incrementAndGet();
        }
    }

    @Override
    public Map<String, Long> counts() { return counts.map(); }

    @Override
    public void close() {
        out.flush();
    }
}
