package dev.vigil.sensor;

import dev.vigil.event.KernelEvent;
import dev.vigil.event.SensorSettings;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One collection module of `vigil trace` (the plugin design): one BPF object, driven
 * through open -> configure -> load -> attach -> read -> close. {@link #read} runs on one
 * thread; {@link #counts} may be called from another. Close releases everything in the
 * kernel, attached or not.
 */
public interface Sensor extends AutoCloseable {
    /** exec, unlink, risky, net, resource or syscalls. */
    String name();

    /** Opens the BPF object (nothing in the kernel yet). */
    void open();

    /** Applies settings that must be fixed before load (globals, map sizes, filters' switches). */
    void configure(SensorSettings settings);

    /** Loads the programs and maps into the kernel (the verifier runs here). */
    void load();

    /** Attaches the programs; events start flowing. */
    void attach();

    /**
     * Hands what is ready to the sink, waiting at most timeoutMs: ring-buffer events, or a
     * sample when a period has ended. Returns how many were delivered.
     */
    int read(Consumer<KernelEvent> sink, int timeoutMs);

    /** Counters for the summary: events delivered, events lost in the kernel, and others. */
    Map<String, Long> counts();

    /** A one-line description of the columns, printed before the first event. */
    String header();

    /** Its loaded BPF object, for the kernel's statistics of its programs (empty before load). */
    default java.util.Optional<dev.vigil.bpf.BpfObject> bpf() { return java.util.Optional.empty(); }

    @Override
    void close();

    /** A new collector by name (exec, unlink, risky, net, resource, syscalls), not opened yet. */
    static Sensor create(String name) {
        return switch (name) {
            case "exec" -> new ExecSensor();
            case "unlink" -> new UnlinkSensor();
            case "risky" -> new RiskySensor();
            case "net" -> new NetSensor();
            case "resource" -> new ResourceSensor();
            case "syscalls" -> new SyscallsSensor();
            case "workload" -> new WorkloadSensor();
            case "probes" -> throw new IllegalArgumentException("probes: the probes collector needs a probes: list (vigil trace --config FILE)");
            default -> throw new IllegalArgumentException("unknown collector " + name);
        };
    }

    /** Opens, configures, loads and attaches; closes it again when a step fails. */
    static <C extends Sensor> C start(C c, SensorSettings s) {
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
