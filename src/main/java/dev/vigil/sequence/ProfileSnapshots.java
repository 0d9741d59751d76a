package dev.vigil.sequence;

import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.sensor.SequenceSensor;
import dev.vigil.store.ModelFile;
import dev.vigil.store.ProfileStore;
import dev.vigil.syscall.SyscallTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The sequence sensor's profiles to and from the saved snapshot (store/ProfileStore). Static. */
public final class ProfileSnapshots {
    private ProfileSnapshots() {}

    /** Every profile of the sensor with its pairs, for saving; paths by key (unknown ones are saved as ""). */
    public static ProfileStore.Snapshot snapshot(SequenceSensor sensor, Map<ProfileKey, String> paths) {
        List<ProfileStore.Entry> out = new ArrayList<>();
        Map<ProfileKey, Map<Integer, long[]>> bits = sensor.allPairs();
        for (SequenceProfile p : sensor.profiles()) {
            out.add(new ProfileStore.Entry(p.key().ino(), p.key().dev(), paths.getOrDefault(p.key(), ""), p.calls(),
                    p.lastNew(), p.anomalies(), p.pairs(), p.state(), p.tolerized(), bits.getOrDefault(p.key(), Map.of())));
        }
        return new ProfileStore.Snapshot(SyscallTable.hostArch(), sensor.settings().window(), out);
    }

    /** Loads saved profiles into the sensor's maps (before attach); a snapshot of another architecture or window is refused. */
    public static void restore(SequenceSensor sensor, ProfileStore.Snapshot s) {
        int window = sensor.settings().window();
        if (!s.arch().equals(SyscallTable.hostArch()) || s.window() != window) {
            throw new ModelFile.InvalidModelException("saved profiles are for " + s.arch() + " with window " + s.window()
                    + "; this watch uses " + SyscallTable.hostArch() + " with window " + window);
        }
        for (ProfileStore.Entry e : s.profiles()) {
            sensor.restore(new SequenceProfile(new ProfileKey(e.ino(), e.dev()), e.calls(), e.lastNew(), e.anomalies(), e.pairs(), e.state(),
                    e.tolerized()), e.bits());
        }
    }
}
