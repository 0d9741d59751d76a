package dev.vigil.demo;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * The built-in workload of `vigil demo` (src/main/c/vigil-workload.c), extracted from
 * the jar and started as a child: steady normal behaviour until {@link #misbehave()}
 * (SIGUSR1). It dies with the JVM (PR_SET_PDEATHSIG) and on {@link #close()}.
 */
public final class DemoWorkload implements AutoCloseable {
    private static final int SIGUSR1 = 10;
    private static final MethodHandle KILL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("kill").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final Process process;
    private final Path binary;

    private DemoWorkload(Process process, Path binary) {
        this.process = process;
        this.binary = binary;
    }

    public static DemoWorkload start(long periodMicros) throws IOException {
        Path bin = Files.createTempFile("vigil-workload", "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (InputStream in = DemoWorkload.class.getResourceAsStream("/dev/vigil/native/vigil-workload")) {
            if (in == null) throw new IllegalStateException("vigil-workload is not in the jar (rebuild vigil)");
            Files.copy(in, bin, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwx------"));
        }
        Process p = new ProcessBuilder(bin.toString(), Long.toString(periodMicros)).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line = r.readLine();
        if (line == null || !line.startsWith("ready ")) {
            p.destroyForcibly();
            Files.deleteIfExists(bin);
            throw new IllegalStateException("the demo workload did not start: " + line);
        }
        return new DemoWorkload(p, bin);
    }

    public long pid() { return process.pid(); }

    /** Switches the workload to its anomalous behaviour. */
    public void misbehave() {
        try {
            int rc = (int) KILL.invokeExact((int) process.pid(), SIGUSR1);
            if (rc != 0) throw new IllegalStateException("cannot signal the workload");
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(binary);
    }
}
