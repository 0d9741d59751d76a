package dev.vigil.eval;

import dev.vigil.detect.SequenceScore;
import dev.vigil.trace.Trace;
import dev.vigil.trace.TraceDataset;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The evaluation's table (console text and Markdown) and per-trace scores (CSV). Stateless. */
public final class Report {
    private Report() {}

    /** The results as a Markdown table (also readable on a console). */
    public static String table(List<Evaluation.Result> results) {
        TreeSet<String> kinds = new TreeSet<>();
        for (Evaluation.Result r : results) kinds.addAll(r.detectionByKind().keySet());
        List<String> head = new ArrayList<>(List.of("detector", "AUC", "DR@1%", "DR@5%", "DR@10%"));
        for (String k : kinds) head.add(k + "@5%");
        head.add("fit s");
        head.add("score s");
        List<List<String>> rows = new ArrayList<>();
        for (Evaluation.Result r : results) {
            List<String> row = new ArrayList<>();
            row.add(r.detector());
            row.add(f3(r.roc().auc()));
            for (double rate : Evaluation.RATES) row.add(f3(r.detectionAt(rate)));
            for (String k : kinds) row.add(r.detectionByKind().containsKey(k) ? f3(r.detectionByKind().get(k)) : "");
            row.add(String.format(Locale.ROOT, "%.1f", r.fitSeconds()));
            row.add(String.format(Locale.ROOT, "%.1f", r.scoreSeconds()));
            rows.add(row);
        }
        int[] w = new int[head.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = head.get(i).length();
            for (List<String> row : rows) w[i] = Math.max(w[i], row.get(i).length());
        }
        StringBuilder sb = new StringBuilder();
        line(sb, head, w);
        List<String> rule = new ArrayList<>();
        for (int i = 0; i < w.length; i++) rule.add((i == 0 ? "" : "") + "-".repeat(Math.max(3, w[i] - (i == 0 ? 0 : 1))) + (i == 0 ? "" : ":"));
        line(sb, rule, w);
        for (List<String> row : rows) line(sb, row, w);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w) {
        sb.append('|');
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            sb.append(' ').append(i == 0 ? pad(c, w[i], false) : pad(c, w[i], true)).append(" |");
        }
        sb.append('\n');
    }

    private static String pad(String s, int w, boolean right) {
        String sp = " ".repeat(Math.max(0, w - s.length()));
        return right ? sp + s : s + sp;
    }

    private static String f3(double v) { return String.format(Locale.ROOT, "%.3f", v); }

    /** The full Markdown report: the data, the protocol, the table. */
    public static String markdown(TraceDataset data, List<Evaluation.Result> results, long seed, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("# vigil evaluate: ").append(data.name()).append("\n\n");
        sb.append("Command: `").append(command).append("`  \n");
        sb.append("Seed: ").append(seed).append("  \n");
        sb.append(String.format(Locale.ROOT, "Data: %d training traces (%,d calls), %d normal traces (%,d calls), %d attack traces (%,d calls): %s%n%n",
                data.train().size(), TraceDataset.calls(data.train()), data.normal().size(), TraceDataset.calls(data.normal()),
                data.attack().size(), TraceDataset.calls(data.attack()), data.attackKinds()));
        sb.append("Protocol: each detector is fit on the training traces only (normal); every normal and attack trace is then scored. ")
          .append("AUC is the probability that an attack trace scores above a normal one (ties count 1/2). ")
          .append("DR@x% is the fraction of attack traces flagged at the threshold that flags at most x% of normal traces; ")
          .append("the per-kind columns use the 5% threshold.\n\n");
        sb.append(table(results)).append('\n');
        sb.append("Per-kind AUC:\n\n");
        for (Evaluation.Result r : results) {
            sb.append("- ").append(r.detector()).append(": ");
            List<String> parts = new ArrayList<>();
            r.aucByKind().forEach((k, v) -> parts.add(k + " " + f3(v)));
            sb.append(String.join(", ", parts)).append('\n');
        }
        sb.append("\nFiles: `scores.csv` (one row per detector and trace), `roc.png` (ROC curves).\n");
        return sb.toString();
    }

    /** One row per detector and trace: detector,trace,split,kind,calls,score,at,length. */
    public static void writeScores(Path csv, List<Evaluation.Result> results) throws IOException {
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write("detector,trace,split,kind,calls,score,at,length\n");
            for (Evaluation.Result r : results) {
                for (int i = 0; i < r.traces().size(); i++) {
                    Trace t = r.traces().get(i);
                    SequenceScore s = r.scores().get(i);
                    w.write(csvCell(r.detector()) + "," + csvCell(t.id()) + "," + t.split() + "," + csvCell(t.kind()) + ","
                            + t.length() + "," + s.score() + "," + s.at() + "," + s.length() + "\n");
                }
            }
        }
        Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Writes report.md, scores.csv and roc.png into out; returns their paths. */
    public static java.util.List<java.nio.file.Path> writeAll(java.nio.file.Path out, dev.vigil.trace.TraceDataset data, java.util.List<Evaluation.Result> results,
                                                              long seed, String command) throws java.io.IOException {
        java.nio.file.Path md = out.resolve("report.md"), csv = out.resolve("scores.csv"), png = out.resolve("roc.png");
        java.nio.file.Files.writeString(md, markdown(data, results, seed, command), java.nio.charset.StandardCharsets.UTF_8);
        writeScores(csv, results);
        RocPlot.write(png, "ROC on " + data.name(), results);
        return java.util.List.of(md, csv, png);
    }
}
