package dev.vigil.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/** ROC curves of several detectors on one PNG (Java2D, headless). Stateless. */
public final class RocPlot {
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final int W = 900, H = 760, LEFT = 80, RIGHT = 30, TOP = 50, BOTTOM = 70;

    private RocPlot() {}

    public static void write(Path png, String title, List<Evaluation.Result> results) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            for (int i = 0; i <= 10; i++) {
                int x = LEFT + pw * i / 10, y = TOP + ph - ph * i / 10;
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x, TOP, x, TOP + ph);
                g.drawLine(LEFT, y, LEFT + pw, y);
                g.setColor(Color.DARK_GRAY);
                String label = String.format("%.1f", i / 10.0);
                g.drawString(label, x - 9, TOP + ph + 18);
                g.drawString(label, LEFT - 30, y + 5);
            }
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
            g.drawLine(LEFT, TOP + ph, LEFT + pw, TOP);
            g.setStroke(new BasicStroke(1f));
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, pw, ph);
            g.drawString("false-alarm rate (normal traces flagged)", LEFT + pw / 2 - 120, H - 25);
            g.rotate(-Math.PI / 2);
            g.drawString("detection rate (attack traces flagged)", -(TOP + ph / 2 + 115), 25);
            g.rotate(Math.PI / 2);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, LEFT, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            for (int r = 0; r < results.size(); r++) {
                Evaluation.Result res = results.get(r);
                g.setColor(COLORS[r % COLORS.length]);
                g.setStroke(new BasicStroke(2.2f));
                Path2D.Double path = new Path2D.Double();
                boolean first = true;
                for (Roc.Point p : res.roc().points()) {
                    double x = LEFT + pw * p.falseAlarmRate(), y = TOP + ph - ph * p.detectionRate();
                    if (first) path.moveTo(x, y);
                    else path.lineTo(x, y);
                    first = false;
                }
                g.draw(path);
                int ly = TOP + ph - 20 - 22 * (results.size() - 1 - r);
                g.fillRect(LEFT + pw - 470, ly - 9, 22, 4);
                g.setColor(Color.BLACK);
                g.drawString(String.format("%s  AUC %.3f", res.detector(), res.roc().auc()), LEFT + pw - 440, ly - 2);
            }
        } finally {
            g.dispose();
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
