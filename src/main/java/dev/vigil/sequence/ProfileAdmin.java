package dev.vigil.sequence;

import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.sensor.ProfileMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * pH's profile administration on a running sequence detector's pinned maps (`vigil profiles`).
 * One owner; close releases the maps (the running detector keeps them).
 */
public final class ProfileAdmin implements AutoCloseable {
    private final ProfileMaps maps;

    private ProfileAdmin(ProfileMaps maps) { this.maps = maps; }

    /** Opens the maps a running watch or agent pinned under dir (bpffs); a BpfException when they cannot be opened. */
    public static ProfileAdmin openPinned(String dir) { return new ProfileAdmin(ProfileMaps.openPinned(dir)); }

    /** Every profile the running detector holds. */
    public List<SequenceProfile> all() { return maps.all(); }

    /** The profile of an executable, if the running detector has one. */
    public Optional<SequenceProfile> profile(ProfileKey key) { return maps.profile(key); }

    @Override
    public void close() { maps.closePinned(); }

    /**
     * normalize (detect from now on), tolerize (back to training, pairs kept) or sensitize
     * (forget everything learnt) the profile p; returns its new state in words.
     */
    public String apply(SequenceProfile p, String action) {
        ProfileKey key = p.key();
        return switch (action) {
            case "normalize" -> {
                maps.write(new SequenceProfile(key, p.calls(), p.lastNew(), p.anomalies(), p.pairs(), SequenceProfile.NORMAL, p.tolerized()));
                yield "normal";
            }
            case "tolerize" -> {
                maps.write(new SequenceProfile(key, p.calls(), p.calls(), p.anomalies(), p.pairs(), SequenceProfile.TRAINING, p.tolerized()));
                yield "training (pairs kept)";
            }
            case "sensitize" -> {
                maps.write(new SequenceProfile(key, 0, 0, 0, 0, SequenceProfile.TRAINING, 0));
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
