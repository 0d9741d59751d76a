package dev.vigil.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.KernelEvent;
import dev.vigil.host.Containers;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.host.ProcessFacts;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.workload.WorkloadProfiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts, each with its own podman container (other ids) of one image: each host's
 * profiler keys what its container does by the image, and the fleet service merges the two
 * hosts' reports into one profile of the image, where what both learnt is normal.
 */
class ContainerFleetTest extends dev.vigil.alert.BrokerTest {
    static final String FIXTURE_ID = "e5e19e6d5e3f7592c83888489169ade45c7ae11b84a18a5b139807a03978a50b";
    static final String KEY = "image:localhost/vigil/webapp:1 vigil-webapp";
    static final Instant T0 = Instant.parse("2026-12-03T00:00:00Z");

    /** The real podman state of the fixture, copied with another container id and a first process that is not running here. */
    static Path host(Path dir, String id) throws Exception {
        Path from = Path.of("src/test/resources/containers/podman");
        try (var walk = Files.walk(from)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                Path to = dir.resolve(from.relativize(f).toString().replace(FIXTURE_ID, id));
                Files.createDirectories(to.getParent());
                Files.writeString(to, Files.readString(f).replace(FIXTURE_ID, id).replace("16593", "999999999"));
            }
        }
        return dir;
    }

    /** What one host's profiler reports (as the agent's Kafka profile events) for its container's process doing the same things. */
    static List<String> reports(String host, Path root, String id, List<String> files) {
        String cgroup = "/libpod_parent/libpod-" + id;
        int pid = 999_999_990;
        ProcessFacts facts = new ProcessFacts() {
            public Optional<String> cgroupOf(int p) { return Optional.of(cgroup); }
            public String cgroupPath(long cg) { return cgroup; }
            public long cgroupId(String path) { return 7; }
            public String exe(int p) { return "/srv/vigil-webapp"; }
            public Optional<List<String>> cmdline(int p) { return Optional.of(List.of("/srv/vigil-webapp", "8081")); }
            public String realPath(String path) { return path; }
            public String comm(int p) { return "vigil-webapp"; }
            public String linkedFile(long dev, long ino) { return ""; }
        };
        List<String> out = new ArrayList<>();
        WorkloadProfiler p = new WorkloadProfiler(new ProfileSet(10), new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(10), 0, Duration.ofHours(1), 100),
                Duration.ZERO, List.of(), new ProcessDescriber(new ProcessContext(), false, new Containers(root)), host, slot -> { })
                .facts(facts).events((key, dimension, item, verdict, state, time) -> out.add(KafkaProfileEvents.line(host, key, dimension, item, verdict, state, time)));
        KernelEvent.Who who = new KernelEvent.Who(pid, pid, 1, 0, 0, 7, "vigil-webapp");
        p.accept(new KernelEvent.Slot(who, 1, KernelEvent.Slot.NEW, "/srv/vigil-webapp", List.of("/srv/vigil-webapp", "8081"), false), T0);
        assertThat(p.workloadOf(1).orElseThrow().text()).as("%s keys its container %s by the image", host, id.substring(0, 12)).isEqualTo(KEY);
        for (String f : files) {
            p.accept(new KernelEvent.Item(who, 1, KernelEvent.Item.FILE, 257, "openat", KernelEvent.Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16],
                    f.hashCode(), f, ""), T0.plusSeconds(1));
        }
        return out;
    }

    @Test
    void twoHostsContainersOfOneImageMergeIntoOneFleetProfile(@TempDir Path dir) throws Exception {
        String id1 = "a1".repeat(32), id2 = "b2".repeat(32);
        List<String> events = new ArrayList<>(reports("h1", host(dir.resolve("h1"), id1), id1, List.of("/srv/index.html", "/etc/hosts")));
        events.addAll(reports("h2", host(dir.resolve("h2"), id2), id2, List.of("/srv/index.html", "/srv/only-here.txt")));
        assertThat(events).allMatch(e -> e.contains("\"workload\":\"" + KEY + "\""));

        Signer signer = Signer.generate(dir.resolve("keys"));
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-ct", "events.ct", "profiles.ct", 2, Map.of());
        try (FleetService f = new FleetService(s, signer, FleetServiceTest.QUIET)) {
            FleetServiceTest.produce("events.ct", events);
            FleetServiceTest.drain(f, events.size());
            assertThat(f.counts()).containsEntry("invalid", 0L);
            FleetProfile merged = f.profile(dev.vigil.profile.WorkloadKey.parse(KEY).text());
            assertThat(merged.hosts().get("files").get("read /srv/index.html")).as("one profile of the image, both hosts in it").containsExactly("h1", "h2");
            assertThat(merged.normal(2).get("files")).as("normal fleet-wide: learnt on both").isEqualTo(Set.of("read /srv/index.html"));
            assertThat(merged.hosts().get("files").get("read /srv/only-here.txt")).containsExactly("h2");
        }
    }
}
