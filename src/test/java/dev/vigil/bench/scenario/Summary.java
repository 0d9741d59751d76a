package dev.vigil.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The results of several scenarios side by side, from their result.json files: OUT/summary.md
 * (detection and false alarms per detector, every step, the cost, the offline evaluation)
 * and OUT/detection.png (per detector and scenario, the share of steps named against false
 * alarms an hour). Stateless.
 */
final class Summary {
    private Summary() {}

    static void write(Path out, List<String> scenarios) throws Exception {
        Map<String, JsonNode> results = new LinkedHashMap<>();
        for (String s : scenarios) {
            Path f = out.resolve(s).resolve("result.json");
            if (Files.exists(f)) results.put(s, ScenarioBench.JSON.readTree(f.toFile()));
        }
        StringBuilder md = new StringBuilder();
        md.append("| scenario | detector | false alarms (an hour) | steps named | first alert after the step (ms) |\n|---|---|---:|---:|---|\n");
        List<String[]> points = new ArrayList<>();
        for (var e : results.entrySet()) {
            JsonNode r = e.getValue();
            if (r.has("skipped") || r.has("failed") || !r.has("false_alarms")) {
                md.append("| ").append(e.getKey()).append(" | ").append(r.has("skipped") ? "skipped: " + r.get("skipped").asText()
                        : "failed: " + r.path("failed").asText("no results").lines().findFirst().orElse("")).append(" | | | |\n");
                continue;
            }
            for (var d : r.get("false_alarms").properties()) {
                List<Long> ms = new ArrayList<>();
                for (JsonNode st : r.get("steps")) if (st.path(d.getKey()).path("detected").asBoolean()) ms.add(st.get(d.getKey()).get("first_alert_ms").asLong());
                md.append(String.format(Locale.ROOT, "| %s | %s | %d (%.1f) | %d of %d | %s |%n", e.getKey(), d.getKey(), d.getValue().get("alerts").asInt(),
                        d.getValue().get("per_hour").asDouble(), ms.size(), r.get("steps_total").asInt(), ms.isEmpty() ? "" : ms.toString()));
                points.add(new String[] {e.getKey(), d.getKey(), Double.toString(d.getValue().get("per_hour").asDouble()),
                        Double.toString((double) ms.size() / r.get("steps_total").asInt())});
            }
        }
        md.append("\n| scenario | step | ").append(String.join(" | ", ScenarioBench.Run.DETECTORS)).append(" |\n|---|---|")
                .append("---|".repeat(ScenarioBench.Run.DETECTORS.size())).append('\n');
        for (var e : results.entrySet()) {
            if (!e.getValue().has("steps")) continue;
            for (JsonNode st : e.getValue().get("steps")) {
                md.append("| ").append(e.getKey()).append(" | ").append(st.get("step").asText().replace("|", "\\|")).append(" |");
                for (String d : ScenarioBench.Run.DETECTORS) {
                    JsonNode x = st.path(d);
                    md.append(' ').append(x.path("detected").asBoolean() ? x.get("first_alert_ms").asLong() + " ms" : "—").append(" |");
                }
                md.append('\n');
            }
        }
        // the container scenario's operator session (told as a session, never a false alarm) and the service's profiles (one per image role)
        StringBuilder ops = new StringBuilder();
        for (var e : results.entrySet()) {
            JsonNode r = e.getValue();
            if (!r.has("operator") && !r.has("profiles")) continue;
            JsonNode op = r.path("operator");
            List<String> profiles = new ArrayList<>();
            r.path("profiles").forEach(p -> profiles.add(p.asText()));
            ops.append(String.format(Locale.ROOT, "| %s | %s | %d: %s |%n", e.getKey(), op.isMissingNode() ? "—"
                    : op.path("alerts").asInt() + " alert(s)" + (op.has("first") ? ": " + op.get("first").asText().replace("|", "\\|") : ""), profiles.size(),
                    String.join(", ", profiles).replace("|", "\\|")));
        }
        if (!ops.isEmpty()) md.append("\n| scenario | operator's exec session | profiles of the service |\n|---|---|---|\n").append(ops);
        md.append("\n| scenario | requests/s, vigil off (its rounds' spread) | profiles only | whole agent | p99 ms off / profiles / agent | agent CPU (cores), RSS | alerts under load |\n")
                .append("|---|---:|---:|---:|---|---|---:|\n");
        for (var e : results.entrySet()) {
            JsonNode c = e.getValue().path("cost");
            if (c.isMissingNode()) continue;
            double lo = Double.MAX_VALUE, hi = 0;
            for (JsonNode r : c.get("rounds")) {
                if (!r.get("vigil").asText().equals("off")) continue;
                lo = Math.min(lo, r.get("per_second").asDouble());
                hi = Math.max(hi, r.get("per_second").asDouble());
            }
            md.append(String.format(Locale.ROOT, "| %s | %.1f (%.1f–%.1f) | %.1f (%+.1f %%) | %.1f (%+.1f %%) | %.2f / %.2f / %.2f | %.3f / %.3f, %.0f / %.0f MiB | %d / %d |%n",
                    e.getKey(), c.get("off").get("per_second").asDouble(), lo, hi, c.get("profiles-only").get("per_second").asDouble(),
                    c.get("profiles-only").get("throughput_change_pct").asDouble(), c.get("agent").get("per_second").asDouble(),
                    c.get("agent").get("throughput_change_pct").asDouble(), c.get("off").get("p99_ms").asDouble(), c.get("profiles-only").get("p99_ms").asDouble(),
                    c.get("agent").get("p99_ms").asDouble(), c.get("profiles-only").get("agent_cores").asDouble(), c.get("agent").get("agent_cores").asDouble(),
                    c.get("profiles-only").get("agent_rss_mib").asDouble(), c.get("agent").get("agent_rss_mib").asDouble(),
                    c.get("profiles-only").get("alerts_under_load").asInt(), c.get("agent").get("alerts_under_load").asInt()));
        }
        for (var e : results.entrySet()) {
            JsonNode off = e.getValue().path("offline");
            if (off.isMissingNode()) continue;
            md.append("\n").append(e.getKey()).append(String.format(Locale.ROOT, " (offline: %d training, %d normal, %d attack traces; `%s`)%n%n",
                    off.path("train_traces").asLong(), off.path("normal_traces").asLong(), off.path("attack_traces").asLong(), off.path("command").asText()));
            md.append(off.has("error") ? "error: " + off.get("error").asText() + "\n" : off.path("table").asText().replaceAll("(?m)^total .*$", ""));
        }
        Files.writeString(out.resolve("summary.md"), md);
        plot(out.resolve("detection.png"), points);
    }

    private static void plot(Path png, List<String[]> points) throws Exception {
        System.setProperty("java.awt.headless", "true");
        int w = 900, h = 560, left = 70, right = 220, top = 40, bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString("attack steps named against false alarms an hour, per detector and scenario", left, 24);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int pw = w - left - right, ph = h - top - bottom;
            // x: false alarms an hour on a log scale from 0 (left edge) through 1, 10, 100, 1000, 10000
            double[] ticks = {0, 1, 10, 100, 1000, 10000};
            for (double t : ticks) {
                int x = left + (int) (fx(t) * pw);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x, top, x, top + ph);
                g.setColor(Color.BLACK);
                g.drawString(t == 0 ? "0" : String.format(Locale.ROOT, "%,.0f", t), x - 8, top + ph + 16);
            }
            for (int i = 0; i <= 4; i++) {
                int y = top + ph - ph * i / 4;
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(left, y, left + pw, y);
                g.setColor(Color.BLACK);
                g.drawString(i * 25 + " %", left - 40, y + 4);
            }
            g.drawString("false alarms an hour of unchanged traffic (log scale)", left + pw / 2 - 150, h - 14);
            g.setColor(new Color(0x2ca02c));
            int goalX = left + (int) (fx(1) * pw);
            g.setStroke(new BasicStroke(2));
            g.drawRect(left, top, goalX - left, ph / 20 + 1);
            g.drawString("goal", left + 4, top + 14 + ph / 20);
            Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};
            String[] shapes = {"profile", "sequence", "monitor:stide"};
            List<String> scen = points.stream().map(p -> p[0]).distinct().toList();
            for (String[] p : points) {
                int x = left + (int) (fx(Double.parseDouble(p[2])) * pw), y = top + ph - (int) (Double.parseDouble(p[3]) * ph);
                g.setColor(colors[scen.indexOf(p[0]) % colors.length]);
                int k = java.util.Arrays.asList(shapes).indexOf(p[1]);
                x += (scen.indexOf(p[0]) - scen.size() / 2) * 4; // points that coincide stay visible side by side
                if (k == 0) g.fillOval(x - 6, y - 6, 12, 12);
                else if (k == 1) g.fillRect(x - 5, y - 5, 10, 10);
                else g.fillPolygon(new int[] {x, x - 7, x + 7}, new int[] {y - 7, y + 6, y + 6}, 3);
            }
            int ly = top + 10;
            for (int i = 0; i < scen.size(); i++) {
                g.setColor(colors[i % colors.length]);
                g.fillRect(w - right + 20, ly - 9, 10, 10);
                g.setColor(Color.BLACK);
                g.drawString(scen.get(i), w - right + 36, ly);
                ly += 18;
            }
            ly += 10;
            g.fillOval(w - right + 20, ly - 9, 10, 10);
            g.drawString("agent: workload profiles", w - right + 36, ly);
            ly += 18;
            g.fillRect(w - right + 20, ly - 9, 10, 10);
            g.drawString("agent: sequences (watch's)", w - right + 36, ly);
            ly += 18;
            g.fillPolygon(new int[] {w - right + 25, w - right + 19, w - right + 31}, new int[] {ly - 10, ly + 1, ly + 1}, 3);
            g.drawString("monitor: stide", w - right + 36, ly);
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", png.toFile());
    }

    /** 0 at the left edge, then log10(1 + v) over log10(1 + 10000). */
    private static double fx(double v) {
        return Math.log10(1 + v) / Math.log10(10_001);
    }
}
