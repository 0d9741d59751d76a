package dev.vigil.collect;

import java.util.Map;
import java.util.function.Consumer;

/**
 * One collection module of `vigil trace` (the plugin design): one BPF object, driven
 * through open -> configure -> load -> attach -> read -> close. {@link #read} runs on one
 * thread; {@link #counts} may be called from another. Close releases everything in the
 * kernel, attached or not.
 */
public interface Collector extends AutoCloseable {
    /** exec, unlink, risky, net, resource or syscalls. */
    String name();

    /** Opens the BPF object (nothing in the kernel yet). */
    void open();

    /** Applies settings that must be fixed before load (globals, map sizes, filters' switches). */
    void configure(CollectorSettings settings);

    /** Loads the programs and maps into the kernel (the verifier runs here). */
    void load();

    /** Attaches the programs; events start flowing. */
    void attach();

    /**
     * Hands what is ready to the sink, waiting at most timeoutMs: ring-buffer events, or a
     * sample when a period has ended. Returns how many were delivered.
     */
    int read(Consumer<TraceEvent> sink, int timeoutMs);

    /** Counters for the summary: events delivered, events lost in the kernel, and others. */
    Map<String, Long> counts();

    /** A one-line description of the columns, printed before the first event. */
    String header();

    @Override
    void close();

    /** A new collector by name (exec, unlink, risky, net, resource, syscalls), not opened yet. */
    static Collector create(String name) {
        return switch (name) {
            case "exec" -> new ExecCollector();
            case "unlink" -> new UnlinkCollector();
            case "risky" -> new RiskyCollector();
            case "net" -> new NetCollector();
            case "resource" -> new ResourceCollector();
            case "syscalls" -> new SyscallsCollector();
            case "workload" -> new WorkloadCollector();
            default -> throw new IllegalArgumentException("unknown collector " + name);
        };
    }

    /** Opens, configures, loads and attaches; closes it again when a step fails. */
    static <C extends Collector> C start(C c, CollectorSettings s) {
        try {
            c.open();
            c.configure(s);
            c.load();
            c.attach();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
