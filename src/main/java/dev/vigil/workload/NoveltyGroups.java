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
    private static final List<String> ORDER = List.of(WorkloadProfile.CODE, WorkloadProfile.PROCESS, WorkloadProfile.NETWORK, WorkloadProfile.RISKY, WorkloadProfile.FILES,
            WorkloadProfile.SYSCALLS);
    /** At most this many items in a group's evidence, and this many named in its words (each cut at ITEM_CHARS); the rest counted. */
    static final int MAX_ITEMS = 64, NAMED = 16, ITEM_CHARS = 240;
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
        StringBuilder keys = new StringBuilder();
        for (Alert m : sorted) {
            if (m != lead) keys.append('\n').append(m.dedupKey());
            if (items.size() < MAX_ITEMS) {
                Map<String, Object> it = new LinkedHashMap<>();
                it.put("dimension", m.evidence().get("dimension"));
                it.put("item", m.evidence().get("item"));
                if (m.evidence().get("action") != null) it.put("action", m.evidence().get("action"));
                it.put("severity", m.severity().label());
                it.put("allow", m.evidence().get("allow"));
                items.add(it);
            }
            if (m != lead && also.size() < NAMED) also.add(cut(String.valueOf(m.evidence().getOrDefault("action", m.evidence().get("item")))));
        }
        int more = members.size() - 1 - also.size();
        Map<String, Object> ev = new LinkedHashMap<>(lead.evidence());
        ev.put("items", items);
        if (members.size() > MAX_ITEMS) ev.put("items_not_listed", members.size() - MAX_ITEMS);
        String summary = lead.summary() + ". It also, never seen before: " + String.join("; ", also) + (more > 0 ? "; and " + more + " more" : "");
        // the group's own key: a repeat of the same group is suppressed, but an item already alerted never hides new ones grouped with it
        String key = lead.dedupKey() + "|with:" + Long.toHexString(dev.vigil.profile.Patterns.fnv(keys));
        return new Alert(lead.time(), lead.host(), lead.detector(), lead.kind(), worst, summary, lead.process(), lead.ancestry(), ev, lead.profile(),
                key, lead.suppressed());
    }

    private static String cut(String s) { return s.length() <= ITEM_CHARS ? s : s.substring(0, ITEM_CHARS) + "..."; }
}
