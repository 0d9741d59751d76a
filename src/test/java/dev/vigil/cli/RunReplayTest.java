package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.follow.LoadedModel;
import dev.vigil.trace.ActivityCsv;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run --replay CSV: evilsocket's CSV as a source; each row is scored and alerted exactly as a live sample would be. */
class RunReplayTest {
    @Test
    void everyRowIsScoredAsLiveAndAlertedAboveTheThreshold(@TempDir Path dir) throws Exception {
        Path csv = Path.of(getClass().getResource("/fixtures/evilsocket-activity.csv").toURI());
        Path model = dir.resolve("m.vigil");
        assertThat(Cli.run("train", "--data", csv.toString(), "--model", model.toString(), "--epochs", "3").exit()).isZero();
        Cli r = Cli.run("run", "--model", model.toString(), "--replay", csv.toString(), "--json", "--max-error", "0");
        assertThat(r.exit()).as(r.err()).isZero();
        List<ActivityCsv.Sample> rows = ActivityCsv.read(csv).samples();
        List<String> lines = r.out().lines().toList();
        LoadedModel m = LoadedModel.load(model);
        long expected = rows.stream().filter(s -> m.autoencoder().score(s.values(), 0, 3).anomalous()).count();
        assertThat(lines).hasSize((int) expected).isNotEmpty();
        int i = 0;
        for (ActivityCsv.Sample s : rows) {
            var score = m.autoencoder().score(s.values(), 0, 3);
            if (!score.anomalous()) continue;
            JsonNode a = new ObjectMapper().readTree(lines.get(i++));
            assertThat(a.path("evidence").path("error").asDouble()).isEqualTo(score.error());
            assertThat(a.path("process").path("comm").asText()).isEqualTo("evilsocket-activity.csv");
            assertThat(java.time.Instant.parse(a.path("time").asText()).getEpochSecond()).isEqualTo((long) Math.floor(s.time()));
        }
        assertThat(r.err()).contains(rows.size() + " samples replayed from " + csv + ", " + expected + " alerts");
        Cli none = Cli.run("run", "--model", model.toString(), "--replay", dir.resolve("none.csv").toString());
        assertThat(none.exit()).isEqualTo(ExitCodes.BAD_INPUT);
    }
}
