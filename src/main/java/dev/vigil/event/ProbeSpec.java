package dev.vigil.event;

import java.util.List;
import java.util.Set;

/**
 * One custom probe of a config's {@code probes:} list, resolved (binaries read, symbols found,
 * offsets known): what the generic probe programs of probes.bpf.c attach to, which arguments
 * they capture and which filters they apply in the kernel. Immutable.
 *
 * @param name       the probe's name (as events and alerts say it)
 * @param entry      where the function is entered (a uprobe, a USDT probe), or a tracepoint; null for a lone uretprobe
 * @param ret        where it returns (a uretprobe, a USDT probe); null for none. Both given: a pair (depth and frames)
 * @param args       the captured arguments, in slot order (at most 6; at most 3 strings or buffers)
 * @param functionArg the slot whose value names the function of a frame (a USDT probe's function name), or -1: the probe's name
 * @param profile    the arguments (or tracepoint fields), by name, whose values make the item a workload profile learns
 *                   with the function (generalised); null: every string argument (every string field of a tracepoint)
 * @param where      file:line of the probe in its config, for errors at attach time
 */
public record ProbeSpec(String name, Target entry, Target ret, List<Arg> args, Set<Integer> pids, Set<Integer> uids,
                        Set<String> comms, Set<Long> cgroups, List<ArgFilter> argFilters, int functionArg,
                        boolean emitEntry, boolean emitReturn, List<String> profile, String where) {
    public static final int MAX_ARGS = 6, MAX_STRINGS = 3, MAX_ARG_FILTERS = 2, MAX_PROBES = 64;

    public ProbeSpec {
        args = List.copyOf(args);
        pids = Set.copyOf(pids);
        uids = Set.copyOf(uids);
        comms = Set.copyOf(comms);
        cgroups = Set.copyOf(cgroups);
        argFilters = List.copyOf(argFilters);
        if (profile != null) profile = List.copyOf(profile);
        if (entry == null && ret == null) throw new IllegalArgumentException(name + ": no place to attach");
        if (args.size() > MAX_ARGS) throw new IllegalArgumentException(name + ": more than " + MAX_ARGS + " arguments");
        if (args.stream().filter(a -> a.type().text()).count() > MAX_STRINGS) {
            throw new IllegalArgumentException(name + ": more than " + MAX_STRINGS + " string or buffer arguments");
        }
    }

    /** uprobe, uretprobe, usdt or tracepoint. */
    public enum Kind { UPROBE, URETPROBE, USDT, TRACEPOINT }

    /**
     * A place to attach. uprobe/uretprobe: binary and file offset (symbol: its name, or "" for
     * a raw offset); usdt: binary, provider and name; tracepoint: provider is the category,
     * name the tracepoint.
     */
    public record Target(Kind kind, String binary, long offset, String symbol, String provider, String name) {
        public String describe() {
            return switch (kind) {
                case UPROBE, URETPROBE -> binary + ":" + (symbol.isEmpty() ? "0x" + Long.toHexString(offset) : symbol);
                case USDT -> binary + ":" + provider + ":" + name;
                case TRACEPOINT -> provider + "/" + name;
            };
        }
    }

    /** An argument type; its code is enum vigil_probe_arg of events.h. */
    public enum Type {
        INT(1), UINT(2), LONG(3), ULONG(4), PTR(5), STRING(6), BUFFER(7);

        public final int code;

        Type(int code) { this.code = code; }

        /** Read from user memory into one of the event's strings. */
        public boolean text() { return this == STRING || this == BUFFER; }

        public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * A captured argument.
     * @param index     the function's (or USDT probe's) argument, from 0
     * @param lengthArg BUFFER: the slot holding its length; -1 otherwise
     * @param name      what events call it (the config's name, else arg0, arg1, ...)
     */
    public record Arg(int index, Type type, int lengthArg, String name) {}

    /** An argument value test, in the kernel: slot's value equal (or not) to value. */
    public record ArgFilter(int slot, boolean equal, long value) {}

    /** The function a frame of this probe stands for when no argument names it: the symbol, else the probe's name. */
    public String function() {
        Target t = entry != null ? entry : ret;
        return (t.kind() == Kind.UPROBE || t.kind() == Kind.URETPROBE) && !t.symbol().isEmpty() ? t.symbol() : name;
    }

    /**
     * The same probe sending what a profile learns from: entries (and hits) only, a lone uretprobe's returns; a pair
     * still keeps its depth and frames in the kernel.
     */
    public ProbeSpec forProfiles() {
        boolean entry = this.entry != null;
        return new ProbeSpec(name, this.entry, ret, args, pids, uids, comms, cgroups, argFilters, functionArg, entry, !entry, profile, where);
    }

    public boolean paired() { return entry != null && ret != null; }

    public boolean tracepoint() { return entry != null && entry.kind() == Kind.TRACEPOINT; }

    /** Where the probe attaches, in words. */
    public String describe() {
        if (entry == null) return "uretprobe " + ret.describe();
        String e = entry.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + entry.describe();
        if (ret == null) return e;
        return e + ", return " + (ret.kind() == Kind.URETPROBE && entry.kind() == Kind.UPROBE ? "(uretprobe)" : ret.describe());
    }
}
