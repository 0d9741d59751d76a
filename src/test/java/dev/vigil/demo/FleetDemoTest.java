package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.alert.Alert;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vigil fleet demo` end to end (no root): three agents fed by replays of recorded
 * workloads publish to an in-process broker, the fleet merges, a new replica imports, a
 * tampered profile is rejected, every host's alerts come back from the one topic.
 */
class FleetDemoTest {
    @Test
    void threeReplicasTeachTheFleetANewReplicaAlertsOnTheAttackAtOnceATamperedProfileIsRejected(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        FleetDemo.Result r;
        try (PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8)) {
            r = new FleetDemo(2, dir, out).run();
        }
        String printed = text.toString(StandardCharsets.UTF_8);

        // every healthy replica published; the fleet read exactly what they sent, nothing it could not parse
        assertThat(r.eventsByHost().keySet()).containsExactlyElementsOf(FleetDemo.HOSTS);
        assertThat(r.eventsByHost().values()).allMatch(n -> n > 0);
        assertThat(r.fleetCounts()).containsEntry("events", r.eventsByHost().values().stream().mapToLong(Long::longValue).sum())
                .containsEntry("invalid", 0L);
        // the service: nginx in front of a web application, two workloads; the attack came through the application
        assertThat(r.merged().keySet()).containsExactly("cgroup:/vigil-sc-web/app vigil-webapp", "cgroup:/vigil-sc-web/nginx nginx");
        assertThat(r.attacked()).isEqualTo("cgroup:/vigil-sc-web/app vigil-webapp");
        FleetDemo.Merged app = r.merged().get(r.attacked());
        // its periodic job is normal fleet-wide (every replica ran it)
        assertThat(app.normal().get("process")).anyMatch(i -> i.contains("-> /usr/bin/dash -c /bin/date"));
        assertThat(app.learnt()).contains("process", "files");

        // the new replica: alone it was learning when the attack began and missed most of it; with the fleet's profile it
        // alerted every step, and nothing before the attack (its normal traffic was a run the fleet never saw)
        assertThat(r.alone().named()).isLessThan(r.withFleet().named());
        assertThat(r.alone().falseAlarms()).isZero();
        assertThat(r.withFleet().steps()).hasSize(5);
        assertThat(r.withFleet().named()).isEqualTo(5);
        assertThat(r.withFleet().falseAlarms()).isZero();
        assertThat(r.withFleet().novelties()).allMatch(a -> a.summary().contains("never seen here or in the fleet's profile"));
        assertThat(r.withFleet().steps()).allMatch(s -> s.firstAlertMs() >= 0 && s.firstAlertMs() < 1000);
        assertThat(r.withFleet().novelties()).anyMatch(a -> a.summary().contains("cat /etc/shadow"));

        // the tampered profile: not imported, one high-severity alert that says why
        assertThat(r.rejections()).hasSize(1);
        Alert rej = r.rejections().getFirst();
        assertThat(rej.severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(rej.summary()).contains("the fleet profile of " + r.attacked()).contains("failed verification").endsWith("it was not imported");

        // one stream: every host's alerts in vigil.alerts
        assertThat(r.alertsByHost().keySet()).isEqualTo(Set.of("web-1", "web-2", "web-3", "web-4"));
        assertThat(printed).contains("[fleet demo] broker up at").contains("5 of 5 attack steps alerted").doesNotContain("Formatting metadata");
    }
}
