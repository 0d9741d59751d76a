package dev.vigil.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to its end (stdin closed, stdout and stderr together), killed after a timeout. */
public final class Command {
    private Command() {}

    /** Its exit code (-1: timed out) and what it printed. */
    public record Result(int code, String output) {
        public boolean ok() { return code == 0; }
    }

    /** Runs cmd with env added to this process's environment; waits at most timeoutSeconds. */
    public static Result run(long timeoutSeconds, Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join(1000);
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
        }
        reader.join(5000);
        return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }
}
