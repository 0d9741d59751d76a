package dev.vigil.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Several detectors that look at different things, combined on a common scale learnt from
 * normal data only. The training traces are split (seeded, 80/20 by trace); a fresh copy of
 * each member is fit on the 80 % and scores the 20 %, which gives that member's median and
 * spread (1.4826 x MAD) on normal traces it has not seen. The members are then fit on all
 * training traces, and a trace's score is the mean over members of
 * (score - median) / spread. The explanation is the member with the largest such value.
 * Thread-safe after fit if the members are.
 */
public final class Ensemble implements SequenceDetector {
    private final List<Supplier<SequenceDetector>> factories;
    private final long seed;
    private final List<SequenceDetector> members = new ArrayList<>();
    private double[] median, spread;

    public Ensemble(List<Supplier<SequenceDetector>> factories, long seed) {
        if (factories.size() < 2) throw new IllegalArgumentException("an ensemble needs at least two members");
        this.factories = List.copyOf(factories);
        this.seed = seed;
    }

    @Override
    public String name() {
        List<String> names = new ArrayList<>();
        for (SequenceDetector d : members) names.add(d.name());
        if (names.isEmpty()) for (Supplier<SequenceDetector> f : factories) try (SequenceDetector d = f.get()) { names.add(d.name()); }
        return "ensemble(" + String.join(" + ", names) + ")";
    }

    @Override
    public void fit(List<int[]> normal) {
        List<int[]> shuffled = new ArrayList<>(normal);
        Collections.shuffle(shuffled, new Random(seed));
        int cut = (int) Math.round(shuffled.size() * 0.8);
        List<int[]> fitPart = shuffled.subList(0, cut), heldOut = shuffled.subList(cut, shuffled.size());
        median = new double[factories.size()];
        spread = new double[factories.size()];
        for (int m = 0; m < factories.size(); m++) {
            try (SequenceDetector d = factories.get(m).get()) {
                d.fit(fitPart);
                double[] s = d.scoreAll(heldOut).stream().mapToDouble(SequenceScore::score).toArray();
                double med = median(s);
                median[m] = med;
                double[] dev = Arrays.stream(s).map(v -> Math.abs(v - med)).toArray();
                spread[m] = Math.max(1.4826 * median(dev), 1e-9);
            }
            SequenceDetector full = factories.get(m).get();
            full.fit(normal);
            members.add(full);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    @Override
    public SequenceScore score(int[] calls) {
        return scoreAll(List.of(calls)).getFirst();
    }

    @Override
    public List<SequenceScore> scoreAll(List<int[]> traces) {
        List<List<SequenceScore>> per = new ArrayList<>();
        for (SequenceDetector d : members) per.add(d.scoreAll(traces));
        List<SequenceScore> out = new ArrayList<>(traces.size());
        for (int i = 0; i < traces.size(); i++) {
            double sum = 0, best = Double.NEGATIVE_INFINITY;
            SequenceScore why = null;
            for (int m = 0; m < members.size(); m++) {
                SequenceScore s = per.get(m).get(i);
                double z = (s.score() - median[m]) / spread[m];
                sum += z;
                if (z > best) {
                    best = z;
                    why = s;
                }
            }
            out.add(new SequenceScore(sum / members.size(), why.at(), why.length()));
        }
        return out;
    }

    @Override
    public void save(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(members.size());
        for (int m = 0; m < members.size(); m++) {
            out.writeDouble(median[m]);
            out.writeDouble(spread[m]);
            members.get(m).save(out);
        }
    }

    @Override
    public void load(java.io.DataInputStream in) throws java.io.IOException {
        int n = in.readInt();
        if (n != factories.size()) throw new java.io.IOException("saved ensemble has " + n + " members, this one " + factories.size());
        median = new double[n];
        spread = new double[n];
        for (int m = 0; m < n; m++) {
            median[m] = in.readDouble();
            spread[m] = in.readDouble();
            SequenceDetector d = factories.get(m).get();
            d.load(in);
            members.add(d);
        }
    }

    @Override
    public void close() {
        for (SequenceDetector d : members) d.close();
    }
}
