package dev.vigil.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real podman containers for tests and the scenario benchmark: images built offline from
 * this host's files by tools/container/image.sh (vigil-webapp at /srv), podman run with
 * tools/container/containers.conf (limits no higher than the host's, cgroupfs).
 */
public final class Podman {
    private Podman() {}

    /** The project's folder (where tools/ is), from the working directory maven runs in. */
    static Path project() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) if (Files.isRegularFile(p.resolve("tools/container/image.sh"))) return p;
        throw new IllegalStateException("tools/container/image.sh not found above " + here);
    }

    public static Path conf() { return project().resolve("tools/container/containers.conf"); }

    /** Why podman cannot run here, or null. */
    public static String unavailable() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) if (Files.isExecutable(Path.of(d, "podman"))) return null;
        return "podman is not installed (apt-get install podman)";
    }

    /**
     * Builds image (REPO:TAG) with vigil-webapp in it; with build non-null always anew (build is written to
     * /srv/BUILD: a new digest for the same tag), else only when it is not there yet. Returns its digest.
     */
    public static String image(String image, String build) throws IOException, InterruptedException {
        Path webapp = Files.createTempFile("vigil-webapp", "");
        try (InputStream in = Podman.class.getResourceAsStream("/dev/vigil/native/vigil-webapp")) {
            if (in == null) throw new IllegalStateException("vigil-webapp is not built (mvn compile builds it)");
            Files.copy(in, webapp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(webapp, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> cmd = new ArrayList<>(List.of(project().resolve("tools/container/image.sh").toString(), image, webapp.toString()));
            if (build != null) cmd.addAll(List.of("--build", build));
            run(120, cmd.toArray(String[]::new));
        } finally {
            Files.deleteIfExists(webapp);
        }
        return run(30, "podman", "image", "inspect", "--format", "{{.Digest}}", image).strip();
    }

    /** The image id of a name (REPO:TAG), to remove an old build by once its tag has moved on. */
    public static String id(String image) throws IOException, InterruptedException {
        return run(30, "podman", "image", "inspect", "--format", "{{.Id}}", image).strip();
    }

    /** Runs podman with the project's containers.conf; its output; fails with the output when it exits non-zero. */
    public static String podman(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        cmd.addAll(List.of(args));
        return run(120, cmd.toArray(String[]::new));
    }

    /** Removes containers at once (SIGKILL: the web application is their pid 1 and takes no SIGTERM), if there. */
    public static void remove(String... names) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("podman", "rm", "--force", "--ignore", "--time", "0"));
        cmd.addAll(List.of(names));
        run(120, cmd.toArray(String[]::new));
    }

    /** Removes an image by id or name if no container uses it (a test's old builds); quiet when it cannot. */
    public static void removeImage(String image) throws InterruptedException {
        try {
            run(60, "podman", "rmi", "--force", image);
        } catch (IOException | IllegalStateException ignored) {
            // in use or gone
        }
    }

    public static String run(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Command.Result r = Command.run(timeoutSeconds, Map.of("CONTAINERS_CONF", conf().toString()), List.of(cmd));
        if (r.code() == -1) throw new IllegalStateException(r.output());
        if (!r.ok()) throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.code() + ": " + r.output().strip());
        return r.output();
    }
}
