package dev.vigil.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The C helpers built into target/test-classes/dev/vigil/native (see src/test/c). */
public final class Native {
    private Native() {}

    public static Path helper(String name) {
        String dir = System.getenv("VIGIL_TEST_NATIVE");
        Path p = dir != null ? Path.of(dir, name) : Path.of("target/test-classes/dev/vigil/native", name);
        if (!Files.isExecutable(p)) throw new IllegalStateException("test helper not built: " + p);
        return p;
    }

    /** A getppid_loop child waiting on stdin; {@link GetppidLoop#go()} starts it. */
    public static GetppidLoop getppidLoop(long n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(helper("getppid_loop").toString(), Long.toString(n), "--wait"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new GetppidLoop(p);
    }

    public record GetppidLoop(Process process) implements AutoCloseable {
        public long pid() { return process.pid(); }

        /** Lets the loop run and waits for it to exit. */
        public void go() throws IOException, InterruptedException {
            OutputStream in = process.getOutputStream();
            in.write('g');
            in.flush();
            if (!process.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("getppid_loop did not finish");
            if (process.exitValue() != 0) throw new IllegalStateException("getppid_loop exited " + process.exitValue());
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
