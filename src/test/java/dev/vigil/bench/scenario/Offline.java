package dev.vigil.bench.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The run's recordings, offline: `vigil evaluate --dataset folders` over
 * OUT/traces/{train,normal,attack} with the sequence detectors of evaluate (stide, watch's
 * lookahead pairs, the autoencoder of `run`'s kind, an n-gram model), so anyone recomputes
 * the figures from the files. Its table goes into result.json, its report into OUT/eval.
 */
final class Offline {
    private Offline() {}

    static void evaluate(ScenarioBench.Run run, Path traces) throws Exception {
        ObjectNode o = run.result.putObject("offline");
        for (String split : new String[] {"train", "normal", "attack"}) {
            Path d = traces.resolve(split);
            long n = 0;
            if (Files.isDirectory(d)) try (var files = Files.walk(d)) { n = files.filter(Files::isRegularFile).count(); }
            o.put(split + "_traces", n);
        }
        String command = "vigil evaluate --dataset folders --path " + traces + " --out " + run.out.resolve("eval")
                + " --detector stide --detector watch --detector autoencoder --detector ngram-lm --seed " + run.o.seed();
        o.put("command", command);
        ScenarioBench.say("offline: %s ...", command);
        Path so = run.out.resolve("evaluate.out"), se = run.out.resolve("evaluate.log");
        Process p = Vigil.start(so, se, command.substring("vigil ".length()).split(" "));
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            o.put("error", "evaluate ran past 30 minutes");
            return;
        }
        o.put("exit", p.exitValue()).put("table", Files.readString(so));
        if (p.exitValue() != 0) o.put("error", Files.readString(se).strip());
        System.out.print(Files.readString(so));
    }
}
