package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.profile.AllowRequests;
import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadKey;
import dev.vigil.profile.WorkloadProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vigil workloads export | import | diff | reset` on saved state (no agent, no kernel):
 * an export round-trips, a diff names exactly what changed, an import handed to the agent's
 * folder merges items and stability, a reset forgets.
 */
class WorkloadsAdminTest {
    static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");
    static final Dimension.Learning L = new Dimension.Learning(Duration.ZERO, Duration.ofSeconds(1), 1, Duration.ofHours(1), 100);
    static final WorkloadKey WEB = new WorkloadKey("webapp.service", "python3:/srv/app.py"), DB = new WorkloadKey("db.service", "postgres");

    static ProfileSet sample() {
        ProfileSet set = new ProfileSet(10);
        WorkloadProfile p = set.get(WEB, false);
        p.dimensions(L, T0);
        p.dimension(WorkloadProfile.FILES, L, T0).observe("read /srv/app.conf", T0, 0);
        p.dimension(WorkloadProfile.NETWORK, L, T0).observe("listen tcp 0.0.0.0:8080", T0, 0);
        p.addActivity(10);
        for (Dimension d : p.dimensions().values()) d.advance(T0.plusSeconds(5), p.activity());
        set.get(DB, false).dimensions(L, T0);
        return set;
    }

    @Test
    void exportDiffImportAndReset(@TempDir Path dir) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        sample().write(state.resolve(ProfileSet.FILE));

        Cli all = Cli.run("workloads", "export", "--state", state.toString(), "--out", dir.resolve("all.json").toString());
        assertThat(all.exit()).as(all.err()).isZero();
        Cli web = Cli.run("workloads", "export", WEB.text(), "--state", state.toString());
        assertThat(web.out()).contains("\"format\" : \"vigil.workload-profiles/2\"").contains("read /srv/app.conf").doesNotContain("db.service");
        Files.writeString(dir.resolve("web.json"), web.out());
        assertThat(Cli.run("workloads", "export", "no such", "--state", state.toString()).exit()).isEqualTo(ExitCodes.BAD_INPUT);

        // the same: no difference, exit 0; then a reviewer's edit shows as exactly that
        Cli same = Cli.run("workloads", "diff", dir.resolve("all.json").toString(), "--state", state.toString());
        assertThat(same.exit()).isZero();
        assertThat(same.out()).isEmpty();
        ProfileSet edited = ProfileSet.read(dir.resolve("all.json"), 10, L);
        edited.find(WEB).dimension(WorkloadProfile.NETWORK, L, T0).allow("connect tcp 10.0.0.5:5432", T0);
        edited.reset(DB, "");
        edited.write(dir.resolve("edited.json"));
        Cli diff = Cli.run("workloads", "diff", dir.resolve("all.json").toString(), dir.resolve("edited.json").toString());
        assertThat(diff.exit()).isEqualTo(1);
        assertThat(diff.out().lines()).containsExactly("- workload db.service postgres",
                "+ webapp.service python3:/srv/app.py network: connect tcp 10.0.0.5:5432");

        // import: validated, handed to the agent's folder; applying it merges the items
        Cli imp = Cli.run("workloads", "import", dir.resolve("edited.json").toString(), "--state", state.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.out()).startsWith("requested: merge 1 workload profile(s)");
        Files.writeString(dir.resolve("bad.json"), "{\"format\": \"something else\"}");
        assertThat(Cli.run("workloads", "import", dir.resolve("bad.json").toString(), "--state", state.toString()).exit()).isEqualTo(ExitCodes.BAD_INPUT);
        ProfileSet agentSide = ProfileSet.read(state.resolve(ProfileSet.FILE), 10, L);
        var applied = AllowRequests.apply(state, agentSide, L, T0.plusSeconds(60));
        assertThat(applied).extracting(AllowRequests.Request::action, AllowRequests.Request::item)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("import", "1 items of 1 workload profile(s)"));
        assertThat(agentSide.find(WEB).dimensions().get(WorkloadProfile.NETWORK).itemSet()).contains("connect tcp 10.0.0.5:5432");

        // reset: forgets one dimension, or the whole profile
        assertThat(Cli.run("workloads", "reset", WEB.text(), "network", "--state", state.toString()).exit()).isZero();
        assertThat(Cli.run("workloads", "reset", DB.text(), "--state", state.toString()).exit()).isZero();
        assertThat(Cli.run("workloads", "reset", DB.text(), "colours", "--state", state.toString()).exit()).isEqualTo(ExitCodes.USAGE);
        AllowRequests.apply(state, agentSide, L, T0.plusSeconds(70));
        assertThat(agentSide.find(WEB).dimensions()).doesNotContainKey(WorkloadProfile.NETWORK).containsKey(WorkloadProfile.FILES);
        assertThat(agentSide.find(DB)).isNull();
    }

    @Test
    void aMergeAddsItemsAndAStableDimensionStaysOrBecomesStable() {
        ProfileSet fleet = sample(), fresh = new ProfileSet(10);
        WorkloadProfile p = fresh.get(WEB, false);
        p.dimensions(L, T0.plusSeconds(100));
        assertThat(p.dimensions().get(WorkloadProfile.FILES).state()).isEqualTo(Dimension.State.LEARNING);
        assertThat(fresh.merge(fleet, L, T0.plusSeconds(101))).isEqualTo(2);
        Dimension files = p.dimensions().get(WorkloadProfile.FILES);
        assertThat(files.state()).isEqualTo(Dimension.State.STABLE);
        assertThat(files.stableSince()).isEqualTo(T0.plusSeconds(101));
        assertThat(files.itemSet()).containsExactly("read /srv/app.conf");
        assertThat(fresh.merge(fleet, L, T0.plusSeconds(102))).as("merging twice adds nothing").isZero();
    }
}
