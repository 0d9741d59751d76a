package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An alert about a process in a container carries the container and its pod, in JSON (round trip) and text. */
class ContainerAlertTest {
    private static Alert about(ContainerRef c) {
        ProcessRef p = new ProcessRef(812, 812, 800, 0, "sh", "/usr/bin/dash", List.of("sh", "-c", "id"), "/kubepods/besteffort/pod1/" + c.id(), "", c);
        return Alert.builder("profile", "anomaly").time(Instant.EPOCH).host("h").summary("nginx ran sh").process(p).dedupKey("k").build();
    }

    @Test
    void theContainerAndPodCrossJsonAndBack() {
        ContainerRef c = new ContainerRef("c2".repeat(32), "nginx", "registry.example/shop/web:1.4", "sha256:ab", "containerd", "shop",
                "web-7f9c8d6b5-x2k4q", "deployment/web");
        String json = AlertJson.line(about(c));
        assertThat(json).contains("\"container\":{\"id\":\"" + c.id() + "\",\"name\":\"nginx\",\"image\":\"registry.example/shop/web:1.4\"")
                .contains("\"pod\":{\"namespace\":\"shop\",\"name\":\"web-7f9c8d6b5-x2k4q\",\"container\":\"nginx\",\"owner\":\"deployment/web\"}")
                .contains("\"process\":{").contains("\"container\":\"" + c.id() + "\"");
        assertThat(AlertJson.parse(json).process().container()).isEqualTo(c);
        assertThat(AlertText.line(about(c))).contains("container=shop/web-7f9c8d6b5-x2k4q/nginx image=registry.example/shop/web:1.4");
    }

    @Test
    void aContainerKnownOnlyByItsIdKeepsTheOldShape() {
        ContainerRef c = ContainerRef.ofId("ab".repeat(32));
        String json = AlertJson.line(about(c));
        assertThat(json).doesNotContain("\"pod\"").doesNotContain("\"container\":{");
        assertThat(AlertJson.parse(json).process().container()).isEqualTo(c);
        assertThat(AlertText.line(about(c))).contains("container=abababababab");
    }
}
