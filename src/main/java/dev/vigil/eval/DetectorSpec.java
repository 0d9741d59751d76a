package dev.vigil.eval;

import dev.vigil.detect.Ensemble;
import dev.vigil.detect.SequenceDetector;
import dev.vigil.detect.autoencoder.AutoencoderTrainer;
import dev.vigil.detect.autoencoder.FrequencyWindowDetector;
import dev.vigil.detect.neural.GruLanguageModel;
import dev.vigil.detect.neural.MixtureLanguageModel;
import dev.vigil.detect.sequence.HistogramKnn;
import dev.vigil.detect.sequence.Lookahead;
import dev.vigil.detect.sequence.NgramDetector;
import dev.vigil.detect.sequence.Stide;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Detector names as the command line gives them: {@code NAME[:key=value,...]}, e.g.
 * {@code stide:n=6}, {@code lookahead:w=9}, {@code autoencoder:epochs=20}, {@code ngram-lm},
 * {@code gru-lm:hidden=128}, {@code knn:k=1}, {@code ensemble}. Stateless.
 */
public final class DetectorSpec {
    public static final List<String> NAMES = List.of("stide", "lookahead", "watch", "knn", "autoencoder", "ngram-lm", "gru-lm", "mix-lm", "ensemble");
    /** What `evaluate` runs when no detector is named. */
    public static final List<String> DEFAULT = List.of("stide", "lookahead", "knn", "autoencoder", "ngram-lm", "gru-lm", "ensemble");

    /** A bad detector name or setting; the message says which. */
    public static final class SpecException extends IllegalArgumentException {
        public SpecException(String m) { super(m); }
    }

    private DetectorSpec() {}

    public static SequenceDetector create(String spec, long seed) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        Map<String, String> kv = new HashMap<>();
        if (colon >= 0 && colon + 1 < spec.length()) {
            for (String part : spec.substring(colon + 1).split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) throw new SpecException("detector '" + spec + "': expected key=value, got '" + part + "'");
                kv.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        Args a = new Args(spec, kv);
        SequenceDetector d = switch (name) {
            case "stide" -> {
                a.allow("n");
                yield new Stide(a.integer("n", 6));
            }
            case "lookahead" -> {
                a.allow("w");
                yield new Lookahead(a.integer("w", 9));
            }
            case "watch" -> {
                a.allow("w", "tolerize");
                yield new dev.vigil.detect.sequence.PhDetector(a.integer("w", 9), a.integer("tolerize", 12));
            }
            case "knn" -> {
                a.allow("k");
                yield new HistogramKnn(a.integer("k", 1));
            }
            case "autoencoder" -> {
                a.allow("window", "stride", "epochs", "batch");
                yield new FrequencyWindowDetector(a.integer("window", 50), a.integer("stride", 25),
                        new AutoencoderTrainer.Settings(a.integer("epochs", 20), a.integer("batch", 64), 0.1, seed));
            }
            case "ngram-lm" -> {
                a.allow("n", "d", "frame");
                yield new NgramDetector(a.has("n") ? a.integer("n", 0) : null, a.has("d") ? a.real("d") : null, a.integer("frame", 0), seed);
            }
            case "gru-lm" -> {
                a.allow("hidden", "layers", "epochs", "patience", "batch");
                yield new GruLanguageModel(new GruLanguageModel.Settings(a.integer("hidden", 128), a.integer("layers", 1),
                        a.integer("epochs", 40), a.integer("patience", 3), a.integer("batch", 8), seed));
            }
            case "mix-lm" -> {
                a.allow("hidden", "layers", "epochs", "patience", "batch");
                yield new MixtureLanguageModel(new GruLanguageModel.Settings(a.integer("hidden", 128), a.integer("layers", 1),
                        a.integer("epochs", 40), a.integer("patience", 3), a.integer("batch", 8), seed));
            }
            case "ensemble" -> {
                a.allow();
                List<Supplier<SequenceDetector>> members = List.of(() -> new NgramDetector(null, null, seed), () -> new HistogramKnn(1));
                yield new Ensemble(members, seed);
            }
            default -> throw new SpecException("unknown detector '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
        return d;
    }

    private record Args(String spec, Map<String, String> kv) {
        void allow(String... keys) {
            for (String k : kv.keySet()) {
                if (!Set.of(keys).contains(k)) {
                    throw new SpecException("detector '" + spec + "': unknown setting '" + k + "'"
                            + (keys.length == 0 ? " (it takes none)" : " (known: " + String.join(", ", keys) + ")"));
                }
            }
        }

        boolean has(String k) { return kv.containsKey(k); }

        int integer(String k, int dflt) {
            String v = kv.get(k);
            if (v == null) return dflt;
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new SpecException("detector '" + spec + "': " + k + " must be an integer, got '" + v + "'");
            }
        }

        double real(String k) {
            try {
                return Double.parseDouble(kv.get(k));
            } catch (NumberFormatException e) {
                throw new SpecException("detector '" + spec + "': " + k + " must be a number, got '" + kv.get(k) + "'");
            }
        }
    }
}
