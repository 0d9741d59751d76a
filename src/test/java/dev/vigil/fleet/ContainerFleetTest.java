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
    /** The fixture image's digest (its version), and another build of it. */
    static final String DIGEST = "sha256:1ff6d02981f4383d5705eff4e7b6c42c92fc62e29acfe11ea7e069867f26bd68", DIGEST2 = "sha256:" + "2e".repeat(32);
    static final Dimension.Learning LEARNING = new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(10), 0, Duration.ofHours(1), 100);

    /** The real podman state of the fixture, copied with another container id and a first process that is not running here. */
    static Path host(Path dir, String id) throws Exception {
        return host(dir, id, DIGEST);
    }

    /** The same, its image built again: another digest. */
    static Path host(Path dir, String id, String digest) throws Exception {
        Path from = Path.of("src/test/resources/containers/podman");
        try (var walk = Files.walk(from)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                Path to = dir.resolve(from.relativize(f).toString().replace(FIXTURE_ID, id));
                Files.createDirectories(to.getParent());
                Files.writeString(to, Files.readString(f).replace(FIXTURE_ID, id).replace("16593", "999999999").replace(DIGEST, digest));
            }
        }
        return dir;
    }

    static final int PID = 999_999_990;
    static final KernelEvent.Who WHO = new KernelEvent.Who(PID, PID, 1, 0, 0, 7, "vigil-webapp");
    static final KernelEvent.Slot START = new KernelEvent.Slot(WHO, 1, KernelEvent.Slot.NEW, "/srv/vigil-webapp", List.of("/srv/vigil-webapp", "8081"), false);

    /** A host's profiler of the container's workload over set, its profile events (items, states, image versions) as the agent's Kafka lines into out. */
    static WorkloadProfiler profiler(String host, Path root, String id, ProfileSet set, List<String> out) {
        String cgroup = "/libpod_parent/libpod-" + id;
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
        return new WorkloadProfiler(set, LEARNING, Duration.ZERO, List.of(), new ProcessDescriber(new ProcessContext(), false, new Containers(root)), host, slot -> { })
                .facts(facts).events(new dev.vigil.profile.ProfileEvents() {
                    public void item(dev.vigil.profile.WorkloadKey key, String dimension, String item, Dimension.Verdict verdict, Dimension.State state, Instant time) {
                        out.add(KafkaProfileEvents.line(host, key, dimension, item, verdict, state, time));
                    }

                    public void version(dev.vigil.profile.WorkloadKey key, String digest, Instant time) {
                        out.add(KafkaProfileEvents.versionLine(host, key, digest, time));
                    }
                });
    }

    /** What one host's profiler reports (as the agent's Kafka profile events) for its container's process doing the same things. */
    static List<String> reports(String host, Path root, String id, List<String> files) {
        List<String> out = new ArrayList<>();
        WorkloadProfiler p = profiler(host, root, id, new ProfileSet(10), out);
        KernelEvent.Who who = WHO;
        p.accept(START, T0);
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

        merge(dir, "ct", events, f -> {
            FleetProfile merged = f.profile(dev.vigil.profile.WorkloadKey.parse(KEY).text());
            assertThat(merged.hosts().get("files").get("read /srv/index.html")).as("one profile of the image, both hosts in it").containsExactly("h1", "h2");
            assertThat(merged.normal(2).get("files")).as("normal fleet-wide: learnt on both").isEqualTo(Set.of("read /srv/index.html"));
            assertThat(merged.hosts().get("files").get("read /srv/only-here.txt")).containsExactly("h2");
        });
    }

    /** A fleet service (k = 2, its keys in dir/keys) over topics events.TAG and profiles.TAG merges events, none invalid; then check, while it runs. */
    static void merge(Path dir, String tag, List<String> events, java.util.function.Consumer<FleetService> check) throws Exception {
        Signer signer = Signer.generate(dir.resolve("keys"));
        FleetService.Settings s = new FleetService.Settings(kafka.bootstrapServers(), "fleet-" + tag, "events." + tag, "profiles." + tag, 2, Map.of());
        try (FleetService f = new FleetService(s, signer, FleetServiceTest.QUIET)) {
            FleetServiceTest.produce("events." + tag, events);
            FleetServiceTest.drain(f, events.size());
            assertThat(f.counts()).containsEntry("invalid", 0L);
            check.accept(f);
        }
    }

    /**
     * The fleet keeps an image's versions: two hosts ran version 1 of the image and learnt it until stable. A third
     * host imports the fleet's profile before its first container: a container of version 1 is protected at once (no
     * version notice, the files dimension stable, a new file alerted), while a container of a build no host ran
     * (another digest) is that image's new version there: it learns again from what the fleet knew, and the fleet's
     * next document does not turn it stable again (the new version's changes are learnt, not alerted).
     */
    @Test
    void theFleetKeepsTheImagesVersionsAndOnlyAVersionNoHostRanIsLearntAgain(@TempDir Path dir) throws Exception {
        String id1 = "a1".repeat(32), id2 = "b2".repeat(32), id3 = "c3".repeat(32), id4 = "d4".repeat(32);
        List<String> events = new ArrayList<>(reports("h1", host(dir.resolve("h1"), id1), id1, List.of("/srv/index.html")));
        events.addAll(reports("h2", host(dir.resolve("h2"), id2), id2, List.of("/srv/index.html")));
        assertThat(events).filteredOn(e -> e.contains("\"verdict\":\"version\"")).as("each host told the version it runs")
                .hasSize(2).allMatch(e -> e.contains("\"item\":\"" + DIGEST + "\""));
        var key = dev.vigil.profile.WorkloadKey.parse(KEY);
        for (String h : List.of("h1", "h2")) events.add(KafkaProfileEvents.stateLine(h, key, "files", Dimension.State.STABLE, T0.plusSeconds(20)));

        merge(dir, "cv", events, f -> { });
        FleetDocument.Read d = FleetServiceTest.latest("profiles.cv", Signer.verifier(dir.resolve("keys").resolve(Signer.PUBLIC)),
                dev.vigil.profile.WorkloadKey.parse(KEY).text());
        assertThat(d.profile().imageVersions()).as("the signed document's versions").containsExactly(DIGEST);
        assertThat(d.learnt()).containsExactly("files");
        var im = new FleetSubscriber.Import(key, d.profile().version(), d.normal(), d.learnt(), d.profile().imageVersions());

        // host 3: the fleet's profile, then a container of the version the fleet knows
        ProfileSet set3 = new ProfileSet(10);
        set3.get(key, false);
        FleetSubscriber.merge(set3, im, LEARNING, T0);
        List<String> told3 = new ArrayList<>();
        WorkloadProfiler p3 = profiler("h3", host(dir.resolve("h3"), id3), id3, set3, told3);
        assertThat(p3.accept(START, T0.plusSeconds(30))).as("a known version: no notice").noneMatch(a -> a.kind().equals("profile_version"));
        assertThat(set3.find(key).dimension("files", LEARNING, T0).state()).isEqualTo(Dimension.State.STABLE);
        assertThat(p3.accept(open("/srv/secret.txt"), T0.plusSeconds(31))).as("protected from its first minute").anyMatch(a -> a.summary().contains("/srv/secret.txt"));
        assertThat(told3).noneMatch(e -> e.contains("\"verdict\":\"version\""));

        // host 4: the fleet's profile, then a container of another build of the image
        ProfileSet set4 = new ProfileSet(10);
        set4.get(key, false);
        FleetSubscriber.merge(set4, im, LEARNING, T0);
        List<String> told4 = new ArrayList<>();
        WorkloadProfiler p4 = profiler("h4", host(dir.resolve("h4"), id4, DIGEST2), id4, set4, told4);
        assertThat(p4.accept(START, T0.plusSeconds(30))).as("a version no host ran: its notice").anyMatch(a -> a.kind().equals("profile_version")
                && a.summary().contains("profile version 2"));
        assertThat(set4.find(key).versions()).containsExactly(DIGEST, DIGEST2);
        assertThat(told4).as("and the fleet is told").anyMatch(e -> e.contains("\"verdict\":\"version\"") && e.contains(DIGEST2));
        FleetSubscriber.merge(set4, im, LEARNING, T0.plusSeconds(32)); // the fleet's document again (it learnt on version 1 only)
        assertThat(set4.find(key).dimension("files", LEARNING, T0).state()).as("still learning the new version").isEqualTo(Dimension.State.LEARNING);
        assertThat(p4.accept(open("/srv/new-in-v2.txt"), T0.plusSeconds(33))).as("the new version's new file: learnt, not alerted")
                .noneMatch(a -> a.summary().contains("/srv/new-in-v2.txt"));
        assertThat(p4.accept(open("/srv/index.html"), T0.plusSeconds(34))).isEmpty();
    }

    private static KernelEvent.Item open(String f) {
        return new KernelEvent.Item(WHO, 1, KernelEvent.Item.FILE, 257, "openat", KernelEvent.Item.ACT_OPENAT, 3, 0, new long[4], 0, 0, 0, new byte[16], f.hashCode(), f, "");
    }
}
