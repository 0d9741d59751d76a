package dev.vigil.bench.scenario;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The run as a picture: one row per detector, a tick per alert; the normal period on the
 * left (its restart dashed, the periodic jobs grey), the attack on the right at a larger
 * scale, each step a red line with its number. PNG, Java2D, headless.
 */
final class Timeline {
    private static final int W = 1100, LEFT = 150, SPLIT = 700, RIGHT = 20, TOP = 40, ROW = 46;

    private Timeline() {}

    static void write(Path png, ScenarioBench.Run run) throws Exception {
        System.setProperty("java.awt.headless", "true");
        List<String> detectors = run.detectors();
        List<ScenarioBench.Got> mine = run.mine();
        int h = TOP + ROW * detectors.size() + 60;
        BufferedImage img = new BufferedImage(W, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, h);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.setColor(Color.BLACK);
            g.drawString(run.s.name() + ": alerts over time (left: the normal period, " + Duration.between(run.normalStart, run.normalEnd).toSeconds()
                    + " s; right: the attack, steps in red)", 10, 22);
            Instant a0 = run.stepsAt.getFirst()[0].minusSeconds(2), a1 = run.stepsAt.getLast()[0].plusSeconds(5);
            int bottom = TOP + ROW * detectors.size();
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(new Color(0xbbbbbb));
            for (Instant p : run.periodicAt) if (!p.isBefore(run.normalStart) && p.isBefore(run.normalEnd)) {
                int x = x(p, run.normalStart, run.normalEnd, LEFT, SPLIT - 10);
                g.drawLine(x, TOP, x, bottom);
            }
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {4, 4}, 0));
            int xr = x(run.restartAt, run.normalStart, run.normalEnd, LEFT, SPLIT - 10);
            g.drawLine(xr, TOP, xr, bottom);
            g.drawString("restart", xr + 3, bottom + 14);
            g.setStroke(new BasicStroke(1));
            g.setColor(Color.RED);
            for (int i = 0; i < run.stepsAt.size(); i++) {
                int x = x(run.stepsAt.get(i)[0], a0, a1, SPLIT + 10, W - RIGHT);
                g.drawLine(x, TOP, x, bottom);
                g.drawString(Integer.toString(i + 1), x + 2, bottom + 14);
            }
            g.setColor(Color.BLACK);
            g.drawLine(SPLIT, TOP - 5, SPLIT, bottom + 20);
            g.drawString("normal period (" + run.o.normal().toSeconds() + " s)", LEFT, bottom + 34);
            g.drawString("attack (" + Duration.between(a0, a1).toSeconds() + " s)", SPLIT + 10, bottom + 34);
            for (int d = 0; d < detectors.size(); d++) {
                int y = TOP + ROW * d + ROW / 2;
                g.setColor(Color.BLACK);
                g.drawString(detectors.get(d), 8, y + 4);
                g.setColor(new Color(0xeeeeee));
                g.drawLine(LEFT, y, W - RIGHT, y);
                g.setColor(new Color(0x1f77b4));
                for (ScenarioBench.Got got : mine) {
                    if (!got.detector().equals(detectors.get(d))) continue;
                    Instant t = got.at();
                    int x;
                    if (!t.isBefore(run.normalStart) && t.isBefore(run.normalEnd)) x = x(t, run.normalStart, run.normalEnd, LEFT, SPLIT - 10);
                    else if (!t.isBefore(a0) && t.isBefore(a1)) x = x(t, a0, a1, SPLIT + 10, W - RIGHT);
                    else continue;
                    g.fillRect(x - 1, y - 12, 3, 24);
                }
            }
        } finally {
            g.dispose();
        }
        try {
            ImageIO.write(img, "png", png.toFile());
        } catch (IOException e) {
            System.err.println("scenario: cannot write " + png + ": " + e.getMessage());
        }
    }

    private static int x(Instant t, Instant from, Instant to, int left, int right) {
        double f = (double) Duration.between(from, t).toMillis() / Math.max(1, Duration.between(from, to).toMillis());
        return left + (int) Math.round(Math.max(0, Math.min(1, f)) * (right - left));
    }
}
