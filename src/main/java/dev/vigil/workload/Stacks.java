package dev.vigil.workload;

import dev.vigil.host.StackFrame;
import dev.vigil.profile.Observation;
import dev.vigil.profile.Patterns;
import dev.vigil.profile.WorkloadProfile;

/** Code from nowhere (a stack frame in executable memory no file holds) as an item of the code dimension; the stack in words is {@link dev.vigil.host.StackWords}. */
final class Stacks {
    private Stacks() {}

    /**
     * Code from nowhere made the call: dimension code, the item the region's class ("anonymous", "memfd NAME",
     * "deleted PATH", "writable PATH", generalised; "jit" for a JIT's code its perf map names: a service that JITs
     * learns it), high severity.
     */
    static Observation code(StackFrame f, Observation made, String call) {
        String region = f.nowhere();
        String item = region.contains(" ") ? region.substring(0, region.indexOf(' ')) + " " + Patterns.generalise(region.substring(region.indexOf(' ') + 1)) : region;
        String where = switch (region.contains(" ") ? region.substring(0, region.indexOf(' ')) : region) {
            case "anonymous" -> "anonymous memory" + (region.contains(" ") ? " (" + region.substring(region.indexOf(' ') + 1) + ")" : "");
            case "memfd" -> "a memfd (" + region.substring(region.indexOf(' ') + 1) + ")";
            case "deleted" -> "a deleted file (" + region.substring(region.indexOf(' ') + 1) + ")";
            case "writable" -> "writable and executable pages of " + region.substring(region.indexOf(' ') + 1);
            case StackFrame.JIT -> "a JIT's generated code (" + f.symbol() + (f.source().isEmpty() ? "" : " of " + f.source()) + ", named in the process's perf map)";
            default -> region;
        };
        String words = "code running from " + where + " at 0x" + Long.toHexString(f.address()) + " made " + (call.isEmpty() ? "a call" : call)
                + " (" + made.words() + ")";
        return new Observation(WorkloadProfile.CODE, item, words, Observation.Severity.HIGH, region);
    }
}
