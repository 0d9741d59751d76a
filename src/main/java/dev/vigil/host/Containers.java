package dev.vigil.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.ContainerRef;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The containers of this host, from their runtimes' own state files, read without a daemon:
 * podman (containers/storage's containers.json and images.json, conmon's pidfile, runc's
 * state), docker (each container's config.v2.json), containerd (each task bundle's OCI
 * config.json with the CRI's annotations, and its init.pid), plain runc (state.json, its
 * bundle's config.json) and plain crun (its status and its copy of config.json). A process is placed in a container by its cgroup path: the
 * container id the path holds (libpod-ID, docker-ID.scope, cri-containerd-ID.scope,
 * /kubepods/.../ID), else the cgroup a runtime's state names (runc's and crun's {@code /NAME}). The
 * state is read again when a path names a container not yet known (a container started;
 * at once the first time, then at most once every 5 s) or one known before its first
 * process's pid was written. Kubernetes pods come from the CRI annotations (namespace, pod,
 * container, image) and the pod's owner from its name's template hash. Thread-safe.
 */
public final class Containers {
    /** A container: what alerts say of it, its first process (host pid; -1 unknown), its cgroup path and, when little is known, why. */
    public record Container(ContainerRef ref, int initPid, String cgroup, String why) {
        /**
         * The workload scope of its processes: {@code k8s:NS/KIND/OWNER/CONTAINER} in a pod,
         * {@code image:REPO:TAG} when its image is known, else {@code container:ID12}. Shared by
         * every container and replica of one image (or pod template), whatever their ids.
         */
        public String scope() {
            ContainerRef r = ref;
            if (r.inPod() && !r.name().isEmpty()) {
                String owner = r.owner().isEmpty() ? "pod/" + r.podName() : r.owner();
                return "k8s:" + r.podNamespace() + "/" + owner + "/" + r.name();
            }
            if (!r.image().isEmpty()) return "image:" + r.image();
            return "container:" + r.id().substring(0, Math.min(12, r.id().length()));
        }
    }

    /** Reads nothing: for replays (the containers of the recording's host are not this host's). */
    public static final Containers NONE = new Containers(null);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX64 = Pattern.compile("^[0-9a-f]{64}$");
    private final Path root;
    private Map<String, Container> byId = Map.of();
    private Map<String, Container> byCgroup = Map.of();
    private final Map<String, Long> missed = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> e) { return size() > 4096; }
    };
    private long lastScan = Long.MIN_VALUE / 2, scans;

    /** The containers of the host whose file system is at root ("/" live; a fixture's folder in tests). */
    public Containers(Path root) { this.root = root; }

    public static Containers live() { return new Containers(Path.of("/")); }

    /** Times the runtimes' state was read. */
    public synchronized long scans() { return scans; }

    /** The container of a cgroup path; empty when the path names none. */
    public synchronized Optional<Container> of(String cgroupPath) {
        if (root == null || cgroupPath == null || cgroupPath.isEmpty()) return Optional.empty();
        String id = Cgroups.container(cgroupPath);
        String what = id.isEmpty() ? cgroupPath : id;
        Container c = lookup(id, cgroupPath);
        // not known yet (a container started), or known before its runtime wrote its first process's pid: read again
        if ((c == null || c.initPid() <= 0) && rescan(what, c != null)) c = lookup(id, cgroupPath);
        if (c == null && !id.isEmpty()) {
            c = new Container(ContainerRef.ofId(id), -1, cgroupPath, "no runtime state names container " + id.substring(0, 12)
                    + " (read: podman, docker, containerd, runc and crun state under " + root + ")");
        }
        return Optional.ofNullable(c);
    }

    private Container lookup(String id, String cgroupPath) { return !id.isEmpty() ? byId.get(id) : byCgroup.get(cgroupPath); }

    /** The alert's view of the container of a cgroup path ({@link ContainerRef#NONE}: none). */
    public ContainerRef ref(String cgroupPath) { return of(cgroupPath).map(Container::ref).orElse(ContainerRef.NONE); }

    /** The workload scope of a cgroup path's container ({@link Container#scope()}), or "" when it is in none. */
    public String scope(String cgroupPath) { return of(cgroupPath).map(Container::scope).orElse(""); }

    /** Where a process that begins a workload belongs: its container's scope ("" in none), or the exec session it is (else null). */
    /**
     * Where a process beginning a workload is: its scope, the container it entered from outside when it did (session:
     * an exec session, or with outside a process put into the container's cgroup that is not in the container's pid
     * namespace nor below it, whose namespace is then containerPidNs), and the container.
     */
    public record Placement(String scope, Container session, ContainerRef ref, boolean outside, long containerPidNs) {
        public Placement(String scope, Container session, ContainerRef ref) {
            this(scope, session, ref, false, 0);
        }
    }

    /** The placement of process pid beginning a workload in cgroupPath: see {@link Container#scope()} and {@link #entered}. */
    public Placement place(String cgroupPath, int pid) {
        return place(cgroupPath, pid, dev.vigil.event.KernelEvent.Namespaces.UNKNOWN);
    }

    /**
     * The same, checked against the process's namespaces as the kernel read them at its exec: a process in a
     * container's cgroup that is neither in the container's pid namespace nor below it did not come from the
     * container nor through an exec session (both are in it); it was put into the cgroup from outside.
     */
    public Placement place(String cgroupPath, int pid, dev.vigil.event.KernelEvent.Namespaces ns) {
        Optional<Container> c = of(cgroupPath);
        if (c.isEmpty()) return new Placement("", null, ContainerRef.NONE);
        long cns = ns.known() ? pidNamespace(c.get()) : 0;
        if (cns != 0 && !ns.inOrBelow(cns)) return new Placement(c.get().scope(), c.get(), c.get().ref(), true, cns);
        return new Placement(c.get().scope(), entered(c.get(), pid) ? c.get() : null, c.get().ref());
    }

    private final Map<String, Long> pidNamespaces = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long OWN_PID_NS = Procfs.namespace(ProcessHandle.current().pid(), "pid");

    /**
     * The pid namespace of a container's first process (its inode number), cached per container; 0 when it cannot be
     * read (no first process known, or gone) or is vigil's own (a container sharing the host's pid namespace: nothing
     * to tell by).
     */
    long pidNamespace(Container c) {
        if (c.initPid() <= 0) return 0;
        Long known = pidNamespaces.get(c.ref().id() + "/" + c.initPid());
        if (known != null) return known;
        long ns = Procfs.namespace(c.initPid(), "pid");
        if (ns == 0) return 0; // not readable now: asked again next time
        if (ns == OWN_PID_NS) ns = 0;
        pidNamespaces.put(c.ref().id() + "/" + c.initPid(), ns);
        return ns;
    }

    /**
     * Whether a process of a container entered it from outside (podman/docker/kubectl exec,
     * nsenter, runc exec): it is not the container's first process nor descended from it.
     * False when the first process is not known (nothing to tell by).
     */
    public static boolean entered(Container c, int pid) {
        if (c.initPid() <= 0 || pid <= 0 || pid == c.initPid()) return false;
        if (!Files.exists(Path.of("/proc", Integer.toString(c.initPid())))) return false; // its first process is gone: a stale state
        int p = pid;
        for (int i = 0; i < 64 && p > 1; i++) {
            int pp = Procfs.ppid(p);
            if (pp == c.initPid()) return false;
            if (pp <= 0) break;
            p = pp;
        }
        // the parent chain left the container without meeting its first process, or the process is gone already: a new
        // workload begun in the container by a process that is not its first is one that came in from outside
        return true;
    }

    /**
     * Reads the runtimes' state again for what (an id or a cgroup path): at once the first
     * time it is missed (so one container never gets two scopes, one before its state was
     * read and one after); a repeated miss, or a known container without its first process,
     * at most once every 250 ms and, for a miss, not again within 5 s. Whether it changed.
     */
    private boolean rescan(String what, boolean known) {
        long now = System.nanoTime();
        Long last = missed.get(what);
        if (known || last != null) {
            if (now - lastScan < 250_000_000L || (!known && now - last < 5_000_000_000L)) return false;
        }
        lastScan = now;
        scans++;
        Map<String, Container> ids = new HashMap<>(), cgs = new HashMap<>();
        for (Container c : read()) {
            ids.put(c.ref().id(), c);
            if (!c.cgroup().isEmpty()) cgs.put(c.cgroup(), c);
        }
        byId = ids;
        byCgroup = cgs;
        boolean found = ids.containsKey(what) || cgs.containsKey(what);
        if (!found) missed.put(what, now);
        return true;
    }

    /** Every container the runtimes' state files describe now (podman first: its runc state is not read again as runc's). */
    java.util.List<Container> read() {
        Map<String, Container> out = new LinkedHashMap<>();
        podman(out);
        docker(out);
        containerd(out);
        runc(out);
        crun(out);
        return java.util.List.copyOf(out.values());
    }

    private Path at(String p) { return root.resolve(p.substring(1)); }

    private static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static int pidFile(Path p) {
        try {
            return Integer.parseInt(Files.readString(p).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The cgroup v2 path runc's state.json gives a container ("" unknown). */
    private String runcCgroup(Path state) {
        JsonNode s = json(state);
        if (s == null) return "";
        String unified = s.path("cgroup_paths").path("").asText("");
        if (!unified.isEmpty()) {
            for (String base : new String[] {Cgroups.root().toString(), "/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
                if (unified.startsWith(base + "/")) return unified.substring(base.length());
            }
            return unified;
        }
        return s.path("config").path("cgroups").path("path").asText("");
    }

    private void podman(Map<String, Container> out) {
        JsonNode cs = json(at("/var/lib/containers/storage/overlay-containers/containers.json"));
        if (cs == null || !cs.isArray()) return;
        Map<String, String> digests = new HashMap<>();
        JsonNode is = json(at("/var/lib/containers/storage/overlay-images/images.json"));
        if (is != null) for (JsonNode i : is) digests.put(i.path("id").asText(), i.path("digest").asText(""));
        for (JsonNode c : cs) {
            String id = c.path("id").asText("");
            if (!HEX64.matcher(id).matches()) continue;
            JsonNode meta = null;
            try {
                meta = JSON.readTree(c.path("metadata").asText("{}"));
            } catch (IOException | RuntimeException e) {
                // no metadata: names from the list only
            }
            String name = meta != null && meta.hasNonNull("name") ? meta.path("name").asText() : c.path("names").path(0).asText("");
            String image = meta != null ? meta.path("image-name").asText("") : "";
            String imageId = c.path("image").asText("");
            String digest = digests.getOrDefault(imageId, "");
            if (digest.isEmpty() && !imageId.isEmpty()) digest = "sha256:" + imageId;
            int pid = pidFile(at("/run/containers/storage/overlay-containers/" + id + "/userdata/pidfile"));
            String cg = runcCgroup(at("/run/runc/" + id + "/state.json"));
            if (cg.isEmpty()) { // podman --runtime crun
                JsonNode crun = json(at("/run/crun/" + id + "/status"));
                if (crun != null && !crun.path("cgroup-path").asText("").contains(":")) cg = crun.path("cgroup-path").asText("");
            }
            JsonNode spec = json(at("/var/lib/containers/storage/overlay-containers/" + id + "/userdata/config.json"));
            if (cg.isEmpty() && spec != null) cg = spec.path("linux").path("cgroupsPath").asText("");
            Pod pod = spec == null ? Pod.NONE : Pod.of(spec.path("annotations"));
            out.put(id, new Container(new ContainerRef(id, pod.container.isEmpty() ? name : pod.container, image.isEmpty() ? pod.image : image,
                    digest, "podman", pod.namespace, pod.name, pod.owner), pid, cg, ""));
        }
    }

    private void docker(Map<String, Container> out) {
        for (Path d : dirs(at("/var/lib/docker/containers"))) {
            JsonNode c = json(d.resolve("config.v2.json"));
            if (c == null) continue;
            String id = c.path("ID").asText(d.getFileName().toString());
            if (!HEX64.matcher(id).matches() || out.containsKey(id)) continue;
            JsonNode labels = c.path("Config").path("Labels");
            Pod pod = Pod.of(labels);
            String name = c.path("Name").asText("").replaceFirst("^/", "");
            int pid = c.path("State").path("Running").asBoolean(false) ? c.path("State").path("Pid").asInt(-1) : -1;
            String cg = runcCgroup(at("/run/docker/runtime-runc/moby/" + id + "/state.json"));
            String image = c.path("Config").path("Image").asText("");
            out.put(id, new Container(new ContainerRef(id, pod.container.isEmpty() ? name : pod.container, image, c.path("Image").asText(""), "docker",
                    pod.namespace, pod.name, pod.owner), pid, cg, ""));
        }
    }

    private void containerd(Map<String, Container> out) {
        for (Path ns : dirs(at("/run/containerd/io.containerd.runtime.v2.task"))) {
            for (Path d : dirs(ns)) {
                String id = d.getFileName().toString();
                if (out.containsKey(id)) continue;
                JsonNode spec = json(d.resolve("config.json"));
                if (spec == null) continue;
                JsonNode ann = spec.path("annotations");
                if (ann.path("io.kubernetes.cri.container-type").asText("").equals("sandbox")) continue; // the pod's pause container
                Pod pod = Pod.of(ann);
                String cg = spec.path("linux").path("cgroupsPath").asText("");
                if (cg.contains(":")) cg = ""; // systemd form (slice:prefix:id): the path holds the id
                out.put(id, new Container(new ContainerRef(id, pod.container, pod.image, digestOf(pod.image), "containerd", pod.namespace, pod.name, pod.owner),
                        pidFile(d.resolve("init.pid")), cg, ""));
            }
        }
    }

    private void runc(Map<String, Container> out) {
        for (Path d : dirs(at("/run/runc"))) {
            String id = d.getFileName().toString();
            if (out.containsKey(id)) continue;
            JsonNode s = json(d.resolve("state.json"));
            if (s == null) continue;
            String bundle = "";
            for (JsonNode l : s.path("config").path("labels")) if (l.asText().startsWith("bundle=")) bundle = l.asText().substring(7);
            JsonNode spec = bundle.isEmpty() ? null : json(root.resolve(bundle.replaceFirst("^/+", "")).resolve("config.json"));
            Pod pod = spec == null ? Pod.NONE : Pod.of(spec.path("annotations"));
            String why = pod.image.isEmpty() ? "runc's state names no image for " + id + " (its bundle's config.json has no io.kubernetes.cri.image-name)" : "";
            out.put(id, new Container(new ContainerRef(id, pod.container.isEmpty() ? id : pod.container, pod.image, digestOf(pod.image), "runc",
                    pod.namespace, pod.name, pod.owner), s.path("init_process_pid").asInt(-1), runcCgroup(d.resolve("state.json")), why));
        }
    }

    /**
     * Plain crun (its state root /run/crun): each container's status (pid, cgroup-path, bundle) and the copy of its
     * bundle's config.json crun keeps beside it (annotations).
     */
    private void crun(Map<String, Container> out) {
        for (Path d : dirs(at("/run/crun"))) {
            String id = d.getFileName().toString();
            if (out.containsKey(id)) continue;
            JsonNode s = json(d.resolve("status"));
            if (s == null) continue;
            JsonNode spec = json(d.resolve("config.json"));
            if (spec == null && !s.path("bundle").asText("").isEmpty()) spec = json(root.resolve(s.path("bundle").asText().replaceFirst("^/+", "")).resolve("config.json"));
            Pod pod = spec == null ? Pod.NONE : Pod.of(spec.path("annotations"));
            String why = pod.image.isEmpty() ? "crun's state names no image for " + id + " (its config.json has no io.kubernetes.cri.image-name)" : "";
            String cg = s.path("cgroup-path").asText("");
            if (cg.contains(":")) cg = ""; // systemd form (slice:prefix:id)
            out.put(id, new Container(new ContainerRef(id, pod.container.isEmpty() ? id : pod.container, pod.image, digestOf(pod.image), "crun",
                    pod.namespace, pod.name, pod.owner), s.path("pid").asInt(-1), cg, why));
        }
    }

    private static java.util.List<Path> dirs(Path p) {
        java.util.List<Path> out = new java.util.ArrayList<>();
        if (!Files.isDirectory(p)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path d : ds) if (Files.isDirectory(d)) out.add(d);
        } catch (IOException | RuntimeException e) {
            // unreadable: none
        }
        return out;
    }

    private static String digestOf(String image) {
        int at = image.indexOf("@sha256:");
        return at < 0 ? "" : image.substring(at + 1);
    }

    /** A pod's facts from CRI annotations (containerd, CRI-O) or Kubernetes labels (dockershim). */
    record Pod(String namespace, String name, String container, String image, String owner) {
        static final Pod NONE = new Pod("", "", "", "", "");

        static Pod of(JsonNode a) {
            if (a == null || !a.isObject()) return NONE;
            String ns = first(a, "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace");
            String pod = first(a, "io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name");
            String ctr = first(a, "io.kubernetes.cri.container-name", "io.kubernetes.container.name");
            String image = first(a, "io.kubernetes.cri.image-name");
            if (pod.isEmpty()) return new Pod("", "", "", image, "");
            return new Pod(ns, pod, ctr, image, Containers.owner(pod));
        }

        private static String first(JsonNode a, String... keys) {
            for (String k : keys) if (a.hasNonNull(k) && !a.get(k).asText().isEmpty()) return a.get(k).asText();
            return "";
        }
    }

    /** Kubernetes' name suffix alphabet (k8s.io/apimachinery rand.SafeEncodeString): no vowels, no 0, 1, 3. */
    private static final String SAFE = "[bcdfghjklmnpqrstvwxz2456789]";
    private static final Pattern DEPLOYMENT = Pattern.compile("^(.+)-" + SAFE + "{6,10}-" + SAFE + "{5}$");
    private static final Pattern GENERATED = Pattern.compile("^(.+)-" + SAFE + "{5}$");
    private static final Pattern ORDINAL = Pattern.compile("^(.+)-(0|[1-9][0-9]*)$");

    /**
     * The owner of a pod from its name: NAME-HASH-XXXXX a Deployment's (its ReplicaSet's pod
     * template hash), NAME-XXXXX a DaemonSet's or Job's (one generated suffix), NAME-N a
     * StatefulSet's; else the pod is its own.
     */
    static String owner(String pod) {
        Matcher m = DEPLOYMENT.matcher(pod);
        if (m.matches()) return "deployment/" + m.group(1);
        m = GENERATED.matcher(pod);
        if (m.matches()) return "generated/" + m.group(1);
        m = ORDINAL.matcher(pod);
        if (m.matches()) return "statefulset/" + m.group(1);
        return "pod/" + pod;
    }
}
