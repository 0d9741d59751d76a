package dev.vigil.alert;

/**
 * The container a process runs in, as its runtime's state names it: the alert's
 * {@code process.container} and {@code process.pod}. Strings are "" when unknown. Immutable.
 *
 * @param id           the container id (64 hex digits for docker, podman and containerd; runc's own name otherwise)
 * @param name         the runtime's name of it (podman/docker --name, the Kubernetes container name)
 * @param image        the image it was made from, as REPO:TAG ("localhost/shop/web:1.4")
 * @param imageDigest  the image's digest or id ("sha256:..."): a new build of one tag has a new one
 * @param runtime      where the facts came from: podman, docker, containerd, runc, crun
 * @param podNamespace the Kubernetes namespace of its pod
 * @param podName      the pod's name
 * @param owner        the pod's owner, KIND/NAME ("deployment/web"), from its name's template hash
 */
public record ContainerRef(String id, String name, String image, String imageDigest, String runtime,
                           String podNamespace, String podName, String owner) {
    public static final ContainerRef NONE = new ContainerRef("", "", "", "", "", "", "", "");

    public ContainerRef {
        id = id == null ? "" : id;
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        imageDigest = imageDigest == null ? "" : imageDigest;
        runtime = runtime == null ? "" : runtime;
        podNamespace = podNamespace == null ? "" : podNamespace;
        podName = podName == null ? "" : podName;
        owner = owner == null ? "" : owner;
    }

    /** A container known only by the id its cgroup path holds. */
    public static ContainerRef ofId(String id) { return id == null || id.isEmpty() ? NONE : new ContainerRef(id, "", "", "", "", "", "", ""); }

    public boolean known() { return !id.isEmpty(); }

    public boolean inPod() { return !podName.isEmpty(); }

    /** How an operator names it: the pod's NS/NAME or the container's name, else its short id. */
    public String label() {
        if (inPod()) return podNamespace + "/" + podName + (name.isEmpty() ? "" : "/" + name);
        return !name.isEmpty() ? name : id.substring(0, Math.min(12, id.length()));
    }
}
