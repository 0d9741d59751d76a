package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.trace.TraceDatasetTest;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
    @Test
    void evaluatesAFixedSubsetOfAdfaLdReproducibly(@TempDir Path dir) throws Exception {
        Path zip = TraceDatasetTest.adfaLd();
        String[] args = {"evaluate", "--path", zip.toString(), "--detector", "stide:n=6", "--detector", "ngram-lm:n=4,d=0.7",
            "--max-traces", "30", "--seed", "5", "--out", dir.resolve("a").toString()};
        Cli r = Cli.run(args);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("| stide n=6", "| ngram-lm n=4 D=0.7", "AUC", "Web_Shell@5%");
        List<String> csv = Files.readAllLines(dir.resolve("a/scores.csv"));
        // 30 training (not scored), 30 normal and up to 30 per attack kind (6 kinds), per detector
        assertThat(csv.getFirst()).isEqualTo("detector,trace,split,kind,calls,score,at,length");
        assertThat(csv).hasSize(1 + 2 * (30 + 6 * 30));
        assertThat(csv.stream().filter(l -> l.contains(",attack,Adduser,")).count()).isEqualTo(2 * 30);
        BufferedImage png = ImageIO.read(dir.resolve("a/roc.png").toFile());
        assertThat(png.getWidth()).isGreaterThan(500);
        assertThat(Files.readString(dir.resolve("a/report.md"))).contains("Protocol:", "| stide n=6");
        // the same seed gives the same numbers
        args[args.length - 1] = dir.resolve("b").toString();
        assertThat(Cli.run(args).exit()).isZero();
        assertThat(Files.readAllLines(dir.resolve("b/scores.csv"))).isEqualTo(csv);
    }

    @Test
    void badInputGetsOneLineAndACode(@TempDir Path dir) throws Exception {
        Cli unknown = Cli.run("evaluate", "--path", dir.toString(), "--detector", "magic");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.error()).contains("unknown detector 'magic'");
        Cli setting = Cli.run("evaluate", "--path", dir.toString(), "--detector", "stide:m=3");
        assertThat(setting.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(setting.error()).contains("unknown setting 'm'");
        Cli notAdfa = Cli.run("evaluate", "--path", dir.toString(), "--detector", "stide");
        assertThat(notAdfa.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(notAdfa.error()).contains("not ADFA-LD");
        Cli missing = Cli.run("evaluate", "--dataset", "folders", "--path", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(missing.error()).contains("not a folder");
    }
}
