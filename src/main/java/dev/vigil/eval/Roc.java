package dev.vigil.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Receiver operating characteristic of anomaly scores (larger = more anomalous) of normal
 * and attack traces. A trace is flagged when its score is at or above the threshold, so
 * tied scores move together. AUC is the probability that an attack scores above a normal
 * trace, ties counting one half (the Mann-Whitney statistic), which equals the trapezoid
 * area under the curve. Immutable.
 */
public final class Roc {
    /** One point: flag scores >= threshold. */
    public record Point(double threshold, double falseAlarmRate, double detectionRate) {}

    private final List<Point> points;
    private final double auc;

    private Roc(List<Point> points, double auc) {
        this.points = points;
        this.auc = auc;
    }

    public static Roc of(double[] normal, double[] attack) {
        if (normal.length == 0 || attack.length == 0) throw new IllegalArgumentException("need normal and attack scores");
        for (double v : normal) if (Double.isNaN(v)) throw new IllegalArgumentException("NaN score");
        for (double v : attack) if (Double.isNaN(v)) throw new IllegalArgumentException("NaN score");
        double[] n = normal.clone(), a = attack.clone();
        Arrays.sort(n);
        Arrays.sort(a);
        List<Point> pts = new ArrayList<>();
        pts.add(new Point(Double.POSITIVE_INFINITY, 0, 0));
        int i = n.length - 1, j = a.length - 1;
        double area = 0, prevF = 0, prevD = 0;
        while (i >= 0 || j >= 0) {
            double t = Math.max(i >= 0 ? n[i] : Double.NEGATIVE_INFINITY, j >= 0 ? a[j] : Double.NEGATIVE_INFINITY);
            while (i >= 0 && n[i] == t) i--;
            while (j >= 0 && a[j] == t) j--;
            double f = (double) (n.length - 1 - i) / n.length;
            double d = (double) (a.length - 1 - j) / a.length;
            area += (f - prevF) * (d + prevD) / 2;
            pts.add(new Point(t, f, d));
            prevF = f;
            prevD = d;
        }
        return new Roc(List.copyOf(pts), area);
    }

    public double auc() { return auc; }

    public List<Point> points() { return points; }

    /** The highest detection rate at a false-alarm rate of at most rate. */
    public double detectionAt(double rate) {
        double best = 0;
        for (Point p : points) if (p.falseAlarmRate() <= rate + 1e-12) best = Math.max(best, p.detectionRate());
        return best;
    }

    /** The lowest threshold whose false-alarm rate is at most rate. */
    public double thresholdAt(double rate) {
        double t = Double.POSITIVE_INFINITY;
        for (Point p : points) if (p.falseAlarmRate() <= rate + 1e-12) t = Math.min(t, p.threshold());
        return t;
    }
}
