package dev.vigil.agent;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.LibbpfVersion;
import dev.vigil.bpf.Tracefs;
import dev.vigil.host.Capabilities;
import dev.vigil.sensor.SyscallHistogramSensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What vigil needs, checked for real (a probe is loaded, attached and read): each check
 * returns what it found or fails with how to fix it. Used by `vigil doctor`.
 */
public final class Doctor {
    private Doctor() {}

    /** A check: required ones fail the doctor, the others warn. */
    public record Check(String name, boolean required, Supplier<String> test) {}

    /** A failed check; the message says how to fix it. */
    public static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public Failed(String m) { super(m); }
    }

    /** What a check said: ok, FAIL (required) or warn. */
    public record Outcome(String name, String status, String detail) {
        public boolean failed() { return status.equals("FAIL"); }
    }

    /** Runs every check in order. */
    public static List<Outcome> run(boolean skipEngine) {
        List<Outcome> out = new ArrayList<>();
        for (Check c : checks(skipEngine)) {
            try {
                out.add(new Outcome(c.name(), "ok", c.test().get()));
            } catch (Failed f) {
                out.add(new Outcome(c.name(), c.required() ? "FAIL" : "warn", f.getMessage()));
            } catch (RuntimeException | LinkageError e) {
                out.add(new Outcome(c.name(), c.required() ? "FAIL" : "warn", e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
        return out;
    }

    public static List<Check> checks(boolean skipEngine) {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("privileges", true, () -> {
            if (Capabilities.canLoadBpf()) return ProcessHandle.current().info().user().orElse("?") + ", CAP_BPF and CAP_PERFMON effective";
            throw new Failed("not root and no CAP_BPF + CAP_PERFMON: run vigil with sudo, or setcap cap_bpf,cap_perfmon+ep on java");
        }));
        checks.add(new Check("kernel", true, () -> {
            String release = read("/proc/sys/kernel/osrelease");
            String[] v = release.split("[.-]");
            int major = Integer.parseInt(v[0]), minor = Integer.parseInt(v[1]);
            if (major < 5 || (major == 5 && minor < 8)) throw new Failed("Linux " + release + " is too old: vigil needs 5.8+ (ring buffer, CAP_BPF)");
            return "Linux " + release;
        }));
        checks.add(new Check("BTF", true, () -> {
            if (Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) return "/sys/kernel/btf/vmlinux";
            throw new Failed("no /sys/kernel/btf/vmlinux: vigil's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y");
        }));
        checks.add(new Check("tracefs", true, () -> {
            Path before = Tracefs.mounted();
            if (before != null) return "mounted at " + before;
            try {
                return "was not mounted; mounted it at " + Tracefs.ensureMounted();
            } catch (BpfException e) {
                throw new Failed("not mounted and mounting failed (" + e.getMessage() + "): mount -t tracefs nodev /sys/kernel/tracing");
            }
        }));
        checks.add(new Check("raw_syscalls tracepoints", true, () -> {
            if (Tracefs.hasTracepoint("raw_syscalls", "sys_enter") && Tracefs.hasTracepoint("raw_syscalls", "sys_exit")) {
                return "raw_syscalls/sys_enter, raw_syscalls/sys_exit";
            }
            throw new Failed("raw_syscalls/sys_enter is missing from tracefs: the kernel needs CONFIG_FTRACE_SYSCALLS=y");
        }));
        checks.add(new Check("libbpf", true, () -> {
            try {
                return "libbpf " + LibbpfVersion.get();
            } catch (RuntimeException | LinkageError e) {
                throw new Failed("libbpf.so.1 not found or too old (" + e.getMessage() + "): apt-get install libbpf1");
            }
        }));
        checks.add(new Check("JDK", true, () -> {
            Runtime.Version v = Runtime.version();
            if (v.feature() < 25) throw new Failed("Java " + v + ": vigil needs JDK 25 (set JAVA_HOME)");
            return "Java " + v + " at " + System.getProperty("java.home");
        }));
        checks.add(new Check("BPF probe", true, () -> {
            if (!Capabilities.canLoadBpf()) throw new Failed("skipped: needs privileges");
            try (SyscallHistogramSensor c = SyscallHistogramSensor.attach(ProcessHandle.current().pid())) {
                long[] counts = new long[SyscallHistogramSensor.MAX_SYSCALLS];
                c.read(counts);
                return "syscall histogram loaded, attached and read (" + (c.usesBatchLookup() ? "batch lookup" : "per-key lookup") + ")";
            } catch (BpfException e) {
                throw new Failed(e.getMessage());
            }
        }));
        checks.add(new Check("trace collectors", false, () -> {
            if (!Capabilities.canLoadBpf()) throw new Failed("skipped: needs privileges");
            List<String> ok = new ArrayList<>();
            String missing = "";
            for (String name : List.of("exec", "unlink", "risky", "resource")) {
                try (dev.vigil.sensor.Sensor c = dev.vigil.sensor.Sensor.start(dev.vigil.sensor.Sensor.create(name),
                        dev.vigil.event.SensorSettings.defaults())) {
                    ok.add(name);
                    if (c instanceof dev.vigil.sensor.RiskySensor r && !r.unavailable().isEmpty()) {
                        missing = "; risky without " + String.join(", ", r.unavailable()) + " (no tracepoint in this kernel)";
                    }
                } catch (RuntimeException e) {
                    throw new Failed(name + ": " + e.getMessage());
                }
            }
            return String.join(", ", ok) + " loaded and attached" + missing;
        }));
        checks.add(new Check("workload probe", false, () -> {
            if (!Capabilities.canLoadBpf()) throw new Failed("skipped: needs privileges");
            try (dev.vigil.sensor.WorkloadSensor w = dev.vigil.sensor.Sensor.start(new dev.vigil.sensor.WorkloadSensor(),
                    dev.vigil.event.SensorSettings.defaults())) {
                return "workload profiles' probe loaded and attached (tp_btf sys_enter/sys_exit, " + w.hostRules().size() + " call rules for this architecture)";
            } catch (RuntimeException e) {
                throw new Failed(e.getMessage() + " (workload profiles need tp_btf and task storage: 5.11+)");
            }
        }));
        checks.add(new Check("record and monitor", false, () -> {
            if (!Capabilities.canLoadBpf()) throw new Failed("skipped: needs privileges");
            int[] calls = new int[1];
            try (dev.vigil.sensor.SyscallRecorder r = dev.vigil.sensor.SyscallRecorder.start(false, 1 << 16, new dev.vigil.sensor.SyscallRecorder.Listener() {
                @Override public void call(int tgid, int tid, int nr) { calls[0]++; }
                @Override public void fork(int parent, int child, String comm) { }
                @Override public void exec(int tgid, String comm, String file) { }
                @Override public void exit(int tgid, int status) { }
            })) {
                r.add((int) ProcessHandle.current().pid(), false);
                Files.exists(Path.of("/proc/self/status")); // a few calls of our own
                r.remove((int) ProcessHandle.current().pid());
                r.poll(0);
                if (calls[0] == 0) throw new Failed("the recorder loaded but saw no calls");
                return "recorder loaded, attached, and saw this process's calls";
            } catch (BpfException e) {
                throw new Failed(e.getMessage());
            }
        }));
        checks.add(new Check("BPF LSM", false, () -> {
            if (!Files.exists(Path.of("/sys/kernel/security/lsm"))) {
                throw new Failed("securityfs not mounted, cannot tell (mount -t securityfs none /sys/kernel/security); only future LSM collectors need it");
            }
            String lsm = read("/sys/kernel/security/lsm");
            if (lsm.contains("bpf")) return "active (" + lsm + ")";
            throw new Failed("not active (only needed by future LSM collectors): boot with lsm=...,bpf");
        }));
        if (!skipEngine) {
            checks.add(new Check("PyTorch engine", true, () -> {
                System.setProperty("ai.djl.offline", "true");
                ai.djl.engine.Engine e = ai.djl.engine.Engine.getEngine("PyTorch");
                return "DJL " + e.getEngineName() + " " + e.getVersion() + ", offline";
            }));
        }
        return checks;
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (java.io.IOException e) {
            throw new Failed("cannot read " + path);
        }
    }
}
