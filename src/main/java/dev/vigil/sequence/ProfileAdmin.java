package dev.vigil.sequence;

import dev.vigil.sensor.ProfileMaps;
import dev.vigil.sensor.SequenceWire;
import dev.vigil.sensor.SequenceWire.Profile;
import dev.vigil.sensor.SequenceWire.ProfileKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** pH's profile administration on a running sequence detector's pinned maps (`vigil profiles`). */
public final class ProfileAdmin {
    private ProfileAdmin() {}

    /**
     * normalize (detect from now on), tolerize (back to training, pairs kept) or sensitize
     * (forget everything learnt) the profile p; returns its new state in words.
     */
    public static String apply(ProfileMaps maps, Profile p, String action) {
        ProfileKey key = p.key();
        return switch (action) {
            case "normalize" -> {
                maps.write(new Profile(key, p.calls(), p.lastNew(), p.anomalies(), p.pairs(), SequenceWire.NORMAL, p.tolerized()));
                yield "normal";
            }
            case "tolerize" -> {
                maps.write(new Profile(key, p.calls(), p.calls(), p.anomalies(), p.pairs(), SequenceWire.TRAINING, p.tolerized()));
                yield "training (pairs kept)";
            }
            case "sensitize" -> {
                maps.write(new Profile(key, 0, 0, 0, 0, SequenceWire.TRAINING, 0));
                int n = maps.deletePairs(key);
                yield "training from scratch (" + n + " pair bitmaps deleted)";
            }
            default -> throw new IllegalArgumentException("unknown action '" + action + "' (normalize, sensitize, tolerize)");
        };
    }

    /** Paths of running executables by profile key (to show names). */
    public static Map<ProfileKey, String> running() {
        Map<ProfileKey, String> m = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    Path exe = Files.readSymbolicLink(p.resolve("exe"));
                    m.putIfAbsent(ProfileKey.of(exe), exe.toString());
                } catch (IOException | RuntimeException ignored) {
                    // kernel thread, gone, or deleted binary
                }
            });
        } catch (IOException ignored) {
            // no /proc
        }
        return m;
    }
}
