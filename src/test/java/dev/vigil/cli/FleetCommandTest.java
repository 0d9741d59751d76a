package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.fleet.FleetService;
import dev.vigil.fleet.FleetServiceTest;
import dev.vigil.fleet.Signer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vigil fleet show` against the in-process broker: what the fleet holds normal, per workload and item; a forged document fails it. */
class FleetCommandTest extends dev.vigil.alert.BrokerTest {

    @Test
    void showListsTheMergedProfilesTheirItemsAndHostsAndFailsOnAForgedDocument(@TempDir Path dir) throws Exception {
        Signer signer = Signer.generate(dir);
        String bs = kafka.bootstrapServers(), pub = dir.resolve(Signer.PUBLIC).toString(), w = FleetServiceTest.W;
        FleetService.Settings s = new FleetService.Settings(bs, "fleet-c1", "events.c1", "profiles.c1", 2, Map.of());
        List<String> events = List.of(
                FleetServiceTest.event("h1", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                FleetServiceTest.event("h2", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                FleetServiceTest.event("h1", "files", "read /srv/www/index.html", "learnt"),
                FleetServiceTest.event("h2", "files", "read /srv/www/index.html", "novel"),
                FleetServiceTest.stateEvent("h1", "process", "stable"),
                FleetServiceTest.stateEvent("h2", "process", "stable"),
                FleetServiceTest.event("h1", "image", "sha256:" + "ab".repeat(32), "version"),
                FleetServiceTest.event("h2", "image", "sha256:" + "cd".repeat(32), "version"));
        try (FleetService f = new FleetService(s, signer, FleetServiceTest.QUIET)) {
            FleetServiceTest.produce("events.c1", events);
            FleetServiceTest.drain(f, events.size());
        }
        Cli all = Cli.run("fleet", "show", "--bootstrap", bs, "--public-key", pub, "--topic", "profiles.c1");
        assertThat(all.exit()).isZero();
        assertThat(all.out()).containsPattern(java.util.regex.Pattern.quote(w) + "  version \\d+, k 2: 1 items normal fleet-wide, 1 seen on fewer than 2 hosts; "
                + "learnt fleet-wide: process\n");

        Cli one = Cli.run("fleet", "show", "--bootstrap", bs, "--public-key", pub, "--topic", "profiles.c1", w);
        assertThat(one.exit()).isZero();
        assertThat(one.out()).contains("  files\n", "    novel   read /srv/www/index.html   [h1; alerted on h2]",
                "  process (learnt fleet-wide: stable on h1, h2)", "    normal  /usr/sbin/nginx -> /usr/bin/dash -c logrotate   [h1, h2]",
                "  image version 1: sha256:" + "ab".repeat(32) + "\n  image version 2: sha256:" + "cd".repeat(32) + " (newest the fleet heard of)\n");

        assertThat(Cli.run("fleet", "show", "--bootstrap", bs, "--public-key", pub, "--topic", "profiles.c1", "systemd:nope.service nope").error())
                .isEqualTo("vigil: no merged profile of 'systemd:nope.service nope' in profiles.c1 (1 workloads there)");

        // someone adds an item to the normal set: the document no longer verifies, and show says so and exits 1
        ObjectNode forged = (ObjectNode) new ObjectMapper().readTree(read("profiles.c1", 1).getLast().value());
        forged.withObjectProperty("normal").withArrayProperty("files").add("read /srv/www/index.html");
        FleetServiceTest.produce("profiles.c1", List.of(forged.toString()));
        Cli bad = Cli.run("fleet", "show", "--bootstrap", bs, "--public-key", pub, "--topic", "profiles.c1");
        assertThat(bad.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(bad.out()).contains(w + "  FAILED VERIFICATION (partition ").contains("its signature does not verify");
        assertThat(bad.error()).isEqualTo("vigil: 1 document in profiles.c1 failed verification");
    }

    @Test
    void aMissingOrBrokenKeyIsOneClearLineAndNoBrokerIsAsked(@TempDir Path dir) throws Exception {
        Cli none = Cli.run("fleet", "show", "--bootstrap", "127.0.0.1:1", "--public-key", dir.resolve("fleet.pub").toString());
        assertThat(none.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(none.error()).isEqualTo("vigil: " + dir.resolve("fleet.pub") + ": no such file (make the fleet's keys with vigil fleet keygen --out DIR)");
        java.nio.file.Files.writeString(dir.resolve("bad.pub"), "not a key\n");
        Cli bad = Cli.run("fleet", "show", "--bootstrap", "127.0.0.1:1", "--public-key", dir.resolve("bad.pub").toString());
        assertThat(bad.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(bad.error()).startsWith("vigil: " + dir.resolve("bad.pub") + ": not an Ed25519 public key");
        Signer.generate(dir.resolve("k"));
        Cli used = Cli.run("fleet", "keygen", "--out", dir.resolve("k").toString());
        assertThat(used.exit()).as("an existing key is never overwritten").isEqualTo(ExitCodes.BAD_INPUT);
    }

    @Test
    void theFleetServiceRunsFromTheCommandLineMergesAndStopsCleanly(@TempDir Path dir) throws Exception {
        Signer.generate(dir);
        String bs = kafka.bootstrapServers();
        FleetServiceTest.produce(FleetService.EVENTS, List.of(
                FleetServiceTest.event("h1", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt"),
                FleetServiceTest.event("h2", "process", "/usr/sbin/nginx -> /usr/bin/dash -c logrotate", "learnt")));
        Cli keygen = Cli.run("fleet", "keygen", "--out", dir.toString(), "--name", "alice");
        assertThat(keygen.exit()).isZero();
        assertThat(keygen.out()).contains(dir.resolve("alice.key") + " (keep it secret) and " + dir.resolve("alice.pub") + " (give it to the fleet service: --operator-key)");
        Cli byAlice = Cli.run("fleet", "allow", "--bootstrap", bs, "--key", dir.resolve("alice.key").toString(), FleetServiceTest.W, "files", "read /srv/www/robots.txt");
        assertThat(byAlice.exit()).isZero();
        String alice = Signer.load(dir.resolve("alice.key")).fingerprint();
        assertThat(byAlice.out()).contains("(signed by key " + alice + ")");
        // the fleet's own key is not an operator's once operator keys are named: its allow is refused
        assertThat(Cli.run("fleet", "allow", "--bootstrap", bs, "--key", dir.resolve(Signer.PRIVATE).toString(), FleetServiceTest.W, "files", "read /etc/shadow").exit()).isZero();
        assertThat(Cli.run("fleet", "allow", "--bootstrap", bs, FleetServiceTest.W, "files", "read /etc/shadow").exit()).as("an unsigned allow cannot even be sent").isEqualTo(ExitCodes.USAGE);

        Cli run = Cli.run("fleet", "--bootstrap", bs, "--key", dir.resolve(Signer.PRIVATE).toString(), "--operator-key", dir.resolve("alice.pub").toString(),
                "--duration", "4", "--metrics", "0");
        assertThat(run.exit()).isZero();
        assertThat(run.err()).contains("vigil fleet: merging vigil.profile-events into vigil.profiles (k = 2, group vigil-fleet; allows signed by " + alice + ")",
                "vigil: Prometheus metrics at http://127.0.0.1:", "vigil fleet: refused an allow of read /etc/shadow in " + FleetServiceTest.W,
                "not signed by an operator key (1 refused so far)", "vigil fleet: {events=4, invalid=0, refused_allows=1, published=1, workloads=1}");
        Cli show = Cli.run("fleet", "show", "--bootstrap", bs, "--public-key", dir.resolve(Signer.PUBLIC).toString(), FleetServiceTest.W);
        assertThat(show.out()).contains("    normal  /usr/sbin/nginx -> /usr/bin/dash -c logrotate   [h1, h2]", "read /srv/www/robots.txt").doesNotContain("/etc/shadow");
    }
}
