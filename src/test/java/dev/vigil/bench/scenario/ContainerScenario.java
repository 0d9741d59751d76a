package dev.vigil.bench.scenario;

import dev.vigil.testing.Podman;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The webapp scenario's service in containers: nginx (a process of the namespace, as an
 * ingress is) in front of two podman containers (replicas) of one image of vigil-webapp
 * (built offline from this host's files by tools/container/image.sh), each on its own port
 * in the scenario's network namespace, under the scenario's cgroup. A restart re-creates
 * both containers (new ids), as a deploy does; the normal period has an operator's podman
 * exec session; the attack goes through nginx into whichever replica it balances to.
 */
final class ContainerScenario extends WebappScenario {
    static final String IMAGE = "localhost/vigil/webapp-sc:1";
    private final List<String> running = new ArrayList<>();
    private Path cgroupParent;

    @Override
    public String name() { return "container"; }

    @Override
    public String description() {
        return "nginx in front of two podman containers (replicas of one image) of the C web application with a command-injection flaw; "
                + "the containers re-created (new ids) in each period, an operator's exec session in the normal period";
    }

    @Override
    public String unavailable() {
        String why = super.unavailable();
        return why != null ? why : Podman.unavailable();
    }

    @Override
    public String profileScope() { return "image:" + IMAGE; }

    @Override
    int[] appPorts() { return new int[] {APP, APP + 1}; }

    @Override
    void startApp(Env env) throws Exception {
        if (running.isEmpty() && cgroupParent == null) Podman.image(IMAGE, null); // built once, cached
        cgroupParent = env.cgroup("app");
        String parent = "/" + env.cgroup().getFileName() + "/app";
        for (int i = 0; i < appPorts().length; i++) {
            String name = env.netns() + "-web" + (i + 1);
            Podman.podman("run", "--detach", "--name", name, "--network", "ns:/run/netns/" + env.netns(), "--cgroup-parent", parent, IMAGE,
                    "/srv/vigil-webapp", Integer.toString(appPorts()[i]));
            running.add(name);
        }
    }

    @Override
    void stopApp(Env env) throws Exception {
        Podman.remove(running.toArray(String[]::new));
        running.clear();
    }

    @Override
    boolean appAlive() { return true; }

    /** An operator looks into the first replica: what the service runs, its files. */
    @Override
    public boolean operator(Env env) throws Exception {
        Podman.podman("exec", running.getFirst(), "/bin/sh", "-c", "ls /srv; cat /etc/hosts");
        return true;
    }

    @Override
    public void tearDown(Env env) throws IOException, InterruptedException {
        try {
            Podman.remove(running.toArray(String[]::new));
        } catch (IllegalStateException e) {
            System.err.println("scenario: podman rm: " + e.getMessage());
        }
        running.clear();
        super.tearDown(env);
        // runc made the scenario's cgroup in the v1 hierarchies too (this host is hybrid): removed, deepest first
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path mine = h.resolve(env.cgroup().getFileName().toString());
                if (h.equals(dev.vigil.host.Cgroups.root()) || !Files.isDirectory(mine)) continue;
                try (var walk = Files.walk(mine)) {
                    for (Path d : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(d);
                } catch (IOException busy) {
                    System.err.println("scenario: " + mine + " not removed: " + busy.getMessage());
                }
            }
        }
    }
}
