package dev.vigil.workload;

import dev.vigil.host.StackFrame;
import dev.vigil.host.StackWords;
import dev.vigil.profile.Observation;
import dev.vigil.profile.Patterns;
import dev.vigil.profile.WorkloadProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A first sight's user stack in an alert: where in the program, in words and as evidence; code from nowhere as an item. */
final class Stacks {
    private Stacks() {}

    static String where(List<StackFrame> stack) { return StackWords.where(stack); }

    static List<Map<String, Object>> evidence(List<StackFrame> stack) { return StackWords.evidence(stack); }

    /**
     * Code from nowhere made the call: dimension code, the item the region's class ("anonymous", "memfd NAME",
     * "deleted PATH", "writable PATH", generalised), high severity.
     */
    static Observation code(StackFrame f, Observation made, String call) {
        String region = f.nowhere();
        String item = region.contains(" ") ? region.substring(0, region.indexOf(' ')) + " " + Patterns.generalise(region.substring(region.indexOf(' ') + 1)) : region;
        String where = switch (region.contains(" ") ? region.substring(0, region.indexOf(' ')) : region) {
            case "anonymous" -> "anonymous memory" + (region.contains(" ") ? " (" + region.substring(region.indexOf(' ') + 1) + ")" : "");
            case "memfd" -> "a memfd (" + region.substring(region.indexOf(' ') + 1) + ")";
            case "deleted" -> "a deleted file (" + region.substring(region.indexOf(' ') + 1) + ")";
            case "writable" -> "writable and executable pages of " + region.substring(region.indexOf(' ') + 1);
            default -> region;
        };
        String words = "code running from " + where + " at 0x" + Long.toHexString(f.address()) + " made " + (call.isEmpty() ? "a call" : call)
                + " (" + made.words() + ")";
        return new Observation(WorkloadProfile.CODE, item, words, Observation.Severity.HIGH, region);
    }
}
