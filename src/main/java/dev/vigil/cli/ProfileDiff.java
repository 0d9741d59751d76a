package dev.vigil.cli;

import dev.vigil.profile.Dimension;
import dev.vigil.profile.ProfileSet;
import dev.vigil.profile.WorkloadProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What differs between two profile sets, in lines a reviewer reads like a diff: workloads, dimension states, items. Stateless. */
final class ProfileDiff {
    private ProfileDiff() {}

    /** "+" in b only, "-" in a only, "~" changed state; empty when they hold the same. */
    static List<String> lines(ProfileSet a, ProfileSet b) {
        List<String> out = new ArrayList<>();
        Set<String> keys = new TreeSet<>();
        a.all().forEach(p -> keys.add(p.key().text()));
        b.all().forEach(p -> keys.add(p.key().text()));
        for (String k : keys) {
            WorkloadProfile pa = a.find(dev.vigil.profile.WorkloadKey.parse(k)), pb = b.find(dev.vigil.profile.WorkloadKey.parse(k));
            if (pa == null) {
                out.add("+ workload " + k);
                continue;
            }
            if (pb == null) {
                out.add("- workload " + k);
                continue;
            }
            Set<String> dims = new TreeSet<>(pa.dimensions().keySet());
            dims.addAll(pb.dimensions().keySet());
            for (String d : dims) {
                Dimension da = pa.dimensions().get(d), db = pb.dimensions().get(d);
                String state = (da == null ? "absent" : da.state().label()) + " -> " + (db == null ? "absent" : db.state().label());
                if (da == null || db == null || da.state() != db.state()) out.add("~ " + k + " " + d + ": " + state);
                Set<String> ia = da == null ? Set.of() : da.itemSet(), ib = db == null ? Set.of() : db.itemSet();
                for (String i : new TreeSet<>(ia)) if (!ib.contains(i)) out.add("- " + k + " " + d + ": " + i);
                for (String i : new TreeSet<>(ib)) if (!ia.contains(i)) out.add("+ " + k + " " + d + ": " + i);
            }
        }
        return out;
    }
}
