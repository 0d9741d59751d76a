package dev.vigil.source;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executors;

/**
 * Starts a command for `vigil record` and `monitor` so that it is followed from its very first call: a
 * shell waits on a FIFO, vigil registers the shell's pid (to be recorded from its next
 * exec), then opens the FIFO, and the shell execs the command. The command shares vigil's
 * terminal (stdin, stdout, stderr). One owner.
 */
public final class Launcher implements AutoCloseable {
    private static final MethodHandle MKFIFO = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("mkfifo").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    /** A command resolved to an executable file, not started yet. */
    public record Prepared(List<String> command) {
        public Launcher start() throws IOException {
            Path dir = Files.createTempDirectory("vigil-record");
            Path fifo = dir.resolve("go");
            try (Arena a = Arena.ofConfined()) {
                int rc = (int) MKFIFO.invokeExact(a.allocateFrom(fifo.toString()), 0600);
                if (rc != 0) throw new IOException("mkfifo " + fifo + " failed");
            } catch (IOException e) {
                Files.deleteIfExists(dir);
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "read _ < \"$0\" && exec \"$@\"", fifo.toString()));
            argv.addAll(command);
            try {
                return new Launcher(new ProcessBuilder(argv).inheritIO().start(), dir, fifo, command.get(0));
            } catch (IOException e) {
                Files.deleteIfExists(fifo);
                Files.deleteIfExists(dir);
                throw e;
            }
        }
    }

    private final Process process;
    private final Path dir, fifo;
    private final String name;
    private boolean released;

    private Launcher(Process process, Path dir, Path fifo, String command) {
        this.process = process;
        this.dir = dir;
        this.fifo = fifo;
        this.name = Path.of(command).getFileName().toString();
    }

    /** Checks that the command names an executable file (on PATH when it has no '/'). */
    public static Prepared prepare(List<String> command) {
        String c = command.get(0);
        if (c.isEmpty()) throw new TargetException("empty command");
        if (c.contains("/")) {
            if (!Files.isRegularFile(Path.of(c)) || !Files.isExecutable(Path.of(c))) throw new TargetException("not an executable file: " + c);
            return new Prepared(List.copyOf(command));
        }
        for (String d : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, c);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return new Prepared(List.copyOf(command));
        }
        throw new TargetException("no such command: " + c + " (not found on PATH)");
    }

    public long pid() { return process.pid(); }

    public String name() { return name; }

    public boolean isAlive() { return process.isAlive(); }

    public int exitValue() { return process.exitValue(); }

    /** Lets the command run: opens the FIFO the shell waits on (at most 10 s). */
    public void go() {
        var exec = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<?> f = exec.submit(() -> {
                Files.writeString(fifo, "\n");
                return null;
            });
            f.get(10, TimeUnit.SECONDS);
            released = true;
        } catch (TimeoutException e) {
            throw new IllegalStateException("the command's launcher did not start (pid " + process.pid() + ")");
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start the command: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the command");
        } finally {
            exec.shutdownNow();
            cleanup();
        }
    }

    /** Leaves a running command alone when vigil exits. */
    public void detach() { released = true; }

    private void cleanup() {
        try {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary file left behind
        }
    }

    /** Kills the launcher when the command was never let go (vigil failed before), and removes the FIFO. */
    @Override
    public void close() {
        if (!released && process.isAlive()) process.destroyForcibly();
        cleanup();
    }
}
