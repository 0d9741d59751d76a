package dev.vigil.workload;

import dev.vigil.alert.Alert;
import dev.vigil.profile.WorkloadProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One alert per process and moment, not one per new item: a process that does several
 * never-seen things at once (a shell an attacker started runs a new program, reads
 * /etc/shadow, connects out) is one alert naming all of them. The first novelty of a
 * process opens a group for {@code window}; novelties of the same process (and workload)
 * within it join; when it closes, one alert is raised: led by the most telling item
 * (program, then network, high-risk call, file, system call), as severe as the worst,
 * with every item, and its allow command, in its evidence. Other alerts pass straight
 * through. Confined to the agent's thread.
 */
public final class NoveltyGroups {
    private static final List<String> ORDER = List.of(WorkloadProfile.PROCESS, WorkloadProfile.NETWORK, WorkloadProfile.RISKY, WorkloadProfile.FILES,
            WorkloadProfile.SYSCALLS);
    private final Duration window;

    private record Group(Instant closes, List<Alert> members) {}

    private final Map<String, Group> open = new LinkedHashMap<>();
    private long folded;

    public NoveltyGroups(Duration window) { this.window = window; }

    /** Novelties folded into another's alert so far. */
    public long folded() { return folded; }

    /** Takes in an alert: returned at once unless it is a profile novelty of a process, which waits for its group. */
    public List<Alert> offer(Alert a, Instant now) {
        if (!a.detector().equals(LineageDetector.DETECTOR) || !a.kind().equals("anomaly") || a.process() == null || window.isZero()) return List.of(a);
        String key = a.process().pid() + "|" + (a.profile() == null ? "" : a.profile().key());
        Group g = open.get(key);
        if (g == null) open.put(key, new Group(now.plus(window), new ArrayList<>(List.of(a))));
        else g.members().add(a);
        return List.of();
    }

    /** The groups whose window has closed by now (all of them when now is null), one alert each. */
    public List<Alert> due(Instant now) {
        List<Alert> out = new ArrayList<>();
        for (Iterator<Group> it = open.values().iterator(); it.hasNext(); ) {
            Group g = it.next();
            if (now != null && now.isBefore(g.closes())) continue;
            it.remove();
            out.add(merge(g.members()));
        }
        return out;
    }

    private static int rank(Alert a) {
        int i = ORDER.indexOf(String.valueOf(a.evidence().get("dimension")));
        return i < 0 ? ORDER.size() : i;
    }

    private Alert merge(List<Alert> members) {
        if (members.size() == 1) return members.getFirst();
        folded += members.size() - 1;
        List<Alert> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparingInt(NoveltyGroups::rank).thenComparing(Alert::severity, Comparator.reverseOrder()));
        Alert lead = sorted.getFirst();
        Alert.Severity worst = members.stream().map(Alert::severity).max(Comparator.naturalOrder()).orElseThrow();
        List<String> also = new ArrayList<>();
        List<Map<String, Object>> items = new ArrayList<>();
        for (Alert m : sorted) {
            Map<String, Object> it = new LinkedHashMap<>();
            it.put("dimension", m.evidence().get("dimension"));
            it.put("item", m.evidence().get("item"));
            if (m.evidence().get("action") != null) it.put("action", m.evidence().get("action"));
            it.put("severity", m.severity().label());
            it.put("allow", m.evidence().get("allow"));
            items.add(it);
            if (m != lead) also.add(String.valueOf(m.evidence().getOrDefault("action", m.evidence().get("item"))));
        }
        Map<String, Object> ev = new LinkedHashMap<>(lead.evidence());
        ev.put("items", items);
        String summary = lead.summary() + ". It also, never seen before: " + String.join("; ", also);
        return new Alert(lead.time(), lead.host(), lead.detector(), lead.kind(), worst, summary, lead.process(), lead.ancestry(), ev, lead.profile(),
                lead.dedupKey(), lead.suppressed());
    }
}
