package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.ContainerRef;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Containers from runtimes' state files: podman's copied from a real podman 4.3 container on
 * this machine (containers.json, images.json, conmon's pidfile, runc's state.json), docker's
 * config.v2.json and containerd's CRI task bundles in the formats those runtimes write.
 */
class ContainersTest {
    private static final String PODMAN = "e5e19e6d5e3f7592c83888489169ade45c7ae11b84a18a5b139807a03978a50b";

    private static Containers at(String fixture) { return new Containers(Path.of("src/test/resources/containers", fixture)); }

    @Test
    void aPodmanContainerIsNamedByItsImageAndItsFirstProcessIsConmonsPid() {
        Containers cs = at("podman");
        var c = cs.of("/libpod_parent/libpod-" + PODMAN).orElseThrow();
        assertThat(c.ref()).isEqualTo(new ContainerRef(PODMAN, "web1", "localhost/vigil/webapp:1",
                "sha256:1ff6d02981f4383d5705eff4e7b6c42c92fc62e29acfe11ea7e069867f26bd68", "podman", "", "", ""));
        assertThat(c.initPid()).isEqualTo(16593);
        assertThat(c.cgroup()).isEqualTo("/libpod_parent/libpod-" + PODMAN);
        assertThat(c.scope()).isEqualTo("image:localhost/vigil/webapp:1");
        assertThat(c.why()).isEmpty();
    }

    @Test
    void aDockerContainerIsFoundThroughItsSystemdScopeAndNamedByItsImageNotItsUnit() {
        String id = "4f1c2a7d9e8b3c6a5f4e3d2c1b0a99884f1c2a7d9e8b3c6a5f4e3d2c1b0a9988";
        var c = at("docker").of("/system.slice/docker-" + id + ".scope").orElseThrow();
        assertThat(c.ref().name()).isEqualTo("web-1");
        assertThat(c.ref().image()).isEqualTo("shop/web:1.4");
        assertThat(c.ref().imageDigest()).isEqualTo("sha256:9d2e8f4b1a7c6e5d3f2a1b0c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e");
        assertThat(c.ref().runtime()).isEqualTo("docker");
        assertThat(c.initPid()).isEqualTo(2345);
        assertThat(c.scope()).isEqualTo("image:shop/web:1.4");
    }

    @Test
    void aKubernetesContainerIsKeyedByNamespaceOwnerAndContainerNameFromTheCriAnnotations() {
        String id = "c2".repeat(32);
        Containers cs = at("containerd");
        var c = cs.of("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod5d0c7f3e_2b1a_4c9d_8e7f_6a5b4c3d2e1f.slice/cri-containerd-" + id
                + ".scope").orElseThrow();
        assertThat(c.ref()).isEqualTo(new ContainerRef(id, "nginx", "registry.example/shop/web:1.4", "", "containerd", "shop", "web-7f9c8d6b5-x2k4q",
                "deployment/web"));
        assertThat(c.scope()).isEqualTo("k8s:shop/deployment/web/nginx");
        assertThat(c.initPid()).isEqualTo(3050);
        assertThat(c.ref().label()).isEqualTo("shop/web-7f9c8d6b5-x2k4q/nginx");
        // the pod's sandbox (pause) is not a workload container
        assertThat(cs.read()).extracting(x -> x.ref().id()).containsExactly(id);
    }

    @Test
    void aPlainRuncContainerIsFoundByTheCgroupItsStateNamesAndSaysWhyItHasNoImage() {
        var c = at("runc").of("/web").orElseThrow();
        assertThat(c.ref().id()).isEqualTo("web");
        assertThat(c.ref().runtime()).isEqualTo("runc");
        assertThat(c.initPid()).isEqualTo(4100);
        assertThat(c.scope()).isEqualTo("container:web");
        assertThat(c.why()).contains("names no image");
    }

    @Test
    void aPlainCrunContainerIsFoundByTheCgroupItsStatusNamesAndNamedByItsAnnotations() {
        // crun's status as crun 1.8 writes it (crun cannot run on this host's hybrid cgroups: "cgroups in hybrid mode not supported")
        var c = at("crun").of("/api").orElseThrow();
        assertThat(c.ref().id()).isEqualTo("api");
        assertThat(c.ref().runtime()).isEqualTo("crun");
        assertThat(c.ref().image()).isEqualTo("registry.example/shop/api:2.0");
        assertThat(c.initPid()).isEqualTo(4300);
        assertThat(c.scope()).isEqualTo("image:registry.example/shop/api:2.0");
        assertThat(c.why()).isEmpty();
    }

    @Test
    void aPathWithAnIdNoRuntimeKnowsFallsBackToTheIdAndSaysWhy() {
        String id = "ab".repeat(32);
        var c = at("podman").of("/docker/" + id).orElseThrow();
        assertThat(c.scope()).isEqualTo("container:abababababab");
        assertThat(c.why()).contains("no runtime state names container abababababab");
        assertThat(at("podman").of("/user.slice/user-0.slice/session-3.scope")).isEmpty();
        assertThat(Containers.NONE.of("/libpod_parent/libpod-" + PODMAN)).isEmpty();
    }

    @Test
    void aFirstMissIsReadAtOnceAndARepeatedOneNotAgainSoon() {
        Containers cs = at("podman");
        cs.of("/some/cgroup");
        cs.of("/docker/" + "cd".repeat(32)); // a container id never seen: read at once, whatever was read just before
        assertThat(cs.scans()).isEqualTo(2);
        for (int i = 0; i < 100; i++) {
            cs.of("/some/cgroup");
            cs.of("/docker/" + "cd".repeat(32));
        }
        assertThat(cs.scans()).isEqualTo(2);
        cs.of("/libpod_parent/libpod-" + PODMAN); // known, with its first process: no read
        assertThat(cs.scans()).isEqualTo(2);
    }

    @Test
    void podOwnersFollowKubernetesNaming() {
        assertThat(Containers.owner("web-7f9c8d6b5-x2k4q")).isEqualTo("deployment/web");
        assertThat(Containers.owner("shop-api-5d8f6c7b9-zq2wx")).isEqualTo("deployment/shop-api");
        assertThat(Containers.owner("fluentd-x7k2p")).isEqualTo("generated/fluentd");
        assertThat(Containers.owner("db-0")).isEqualTo("statefulset/db");
        assertThat(Containers.owner("debug")).isEqualTo("pod/debug");
    }
}
