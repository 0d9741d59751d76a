package dev.vigil.host;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the workload detectors ask the host about processes (their cgroup, executable,
 * command line, the real path of a file): from /proc and cgroupfs when live; answered
 * from a recording when a recorded run is replayed ({@link #replay}), so the replay asks
 * the same questions of the same moment and gets the same answers. {@link #recording}
 * wraps the live facts and hands each answer to a sink. Implementations are confined to
 * the agent's thread.
 */
public interface ProcessFacts {
    /** The cgroup path of a running process. */
    Optional<String> cgroupOf(int pid);

    /** The path of a cgroup by id ("" when unknown). */
    String cgroupPath(long id);

    /** The id of a cgroup path (-1 when unknown). */
    long cgroupId(String path);

    /** What /proc/PID/exe names ("" when gone). */
    String exe(int pid);

    /** The command line of a process: from its exec event, else /proc. */
    Optional<List<String>> cmdline(int pid);

    /** The real path of a file (symbolic links resolved), or path itself. */
    String realPath(String path);

    /** The comm of a running process ("" when gone). */
    String comm(int pid);

    /** The credential file a (kernel dev_t, inode) is, for a file opened through another name ("" when none). */
    String linkedFile(long dev, long ino);

    /**
     * A user stack of a process, unwound and symbolized (StackFrame.encode() each, innermost first); none when it cannot
     * be. parent: whose mappings to use when the process is gone (it forked from parent without an exec), else -1.
     */
    default List<String> stack(int pid, int parent, dev.vigil.event.KernelEvent.UserStack stack) { return List.of(); }

    /**
     * Where a process was started from: its parent's user stack at the fork that made it, unwound and symbolized
     * through the parent's mappings (StackFrame.encode() each, innermost first); none when not known.
     */
    default List<String> spawnStack(int pid, int parent) { return List.of(); }

    /** The executable mappings the kernel sent for a process, before its first stack (for a process gone by the alert). */
    default void maps(dev.vigil.event.KernelEvent.Maps maps) {}

    /** The facts of this host. */
    static ProcessFacts live(ProcessContext context) { return live(context, new java.util.concurrent.atomic.AtomicReference<>()); }

    /** The facts of this host; spawns, once set, gives the kernel's stack of each process's fork (the workload sensor's). */
    static ProcessFacts live(ProcessContext context,
                             java.util.concurrent.atomic.AtomicReference<java.util.function.IntFunction<Optional<dev.vigil.event.KernelEvent.UserStack>>> spawns) {
        Cgroups cgroups = new Cgroups();
        SensitiveFiles sensitive = new SensitiveFiles();
        Symbolizer symbolizer = new Symbolizer();
        return new ProcessFacts() {
            public List<String> stack(int pid, int parent, dev.vigil.event.KernelEvent.UserStack stack) {
                return symbolizer.frames(pid, parent, symbolizer.unwind(pid, parent, stack)).stream().map(StackFrame::encode).toList();
            }
            public List<String> spawnStack(int pid, int parent) {
                var source = spawns.get();
                var st = source == null ? Optional.<dev.vigil.event.KernelEvent.UserStack>empty() : source.apply(pid);
                if (st.isEmpty() || st.get().ip() == 0) return List.of();
                return symbolizer.frames(parent, symbolizer.unwind(parent, st.get())).stream().map(StackFrame::encode).toList();
            }
            public void maps(dev.vigil.event.KernelEvent.Maps maps) {
                int pid = maps.who().tgid();
                List<String> hints = new java.util.ArrayList<>();
                context.seen(pid).ifPresent(s -> hints.add(s.exe()));
                symbolizer.remember(pid, ProcessMaps.of(maps), hints);
            }
            public String linkedFile(long dev, long ino) { return sensitive.of(dev, ino); }
            public Optional<String> cgroupOf(int pid) { return Cgroups.ofProcess(pid); }
            public String cgroupPath(long id) { return cgroups.pathOf(id); }
            public long cgroupId(String path) { return Cgroups.id(path); }
            public String exe(int pid) { return Procfs.exe(pid); }
            public Optional<List<String>> cmdline(int pid) { return context.cmdline(pid); }
            public String comm(int pid) { return dev.vigil.syscall.RiskyCalls.liveComm(pid); }
            public String realPath(String path) {
                if (!path.startsWith("/")) return path;
                try {
                    // resolved at each exec, never cached: a link re-pointed between two execs must not make an implant the learnt program
                    return Path.of(path).toRealPath().toString();
                } catch (java.io.IOException | RuntimeException e) {
                    return path;
                }
            }
        };
    }

    /** One answer: the question (method and argument) and what it was. */
    record Answer(String question, String argument, Object value) {}

    /** The facts of inner, each answer also handed to sink (to be written to a recording). */
    static ProcessFacts recording(ProcessFacts inner, java.util.function.Consumer<Answer> sink) {
        return new ProcessFacts() {
            private <T> T note(String q, String arg, T v) {
                sink.accept(new Answer(q, arg, v instanceof Optional<?> o ? o.orElse(null) : v));
                return v;
            }

            public Optional<String> cgroupOf(int pid) { return note("cgroupOf", Integer.toString(pid), inner.cgroupOf(pid)); }
            public String cgroupPath(long id) { return note("cgroupPath", Long.toString(id), inner.cgroupPath(id)); }
            public long cgroupId(String path) { return note("cgroupId", path, inner.cgroupId(path)); }
            public String exe(int pid) { return note("exe", Integer.toString(pid), inner.exe(pid)); }
            public Optional<List<String>> cmdline(int pid) { return note("cmdline", Integer.toString(pid), inner.cmdline(pid)); }
            public String realPath(String path) { return note("realPath", path, inner.realPath(path)); }
            public String comm(int pid) { return note("comm", Integer.toString(pid), inner.comm(pid)); }
            public String linkedFile(long dev, long ino) { return note("linkedFile", dev + ":" + ino, inner.linkedFile(dev, ino)); }
            public List<String> stack(int pid, int parent, dev.vigil.event.KernelEvent.UserStack stack) {
                return note("stack", pid + ":" + key(stack), inner.stack(pid, parent, stack));
            }
            public void maps(dev.vigil.event.KernelEvent.Maps maps) { inner.maps(maps); } // (the stacks it helps name are recorded)
            public List<String> spawnStack(int pid, int parent) { return note("spawnStack", pid + ":" + parent, inner.spawnStack(pid, parent)); }
        };
    }

    /**
     * Facts answered from recorded answers, in the order they were given for each question
     * and argument; a question never answered gets what a gone process gives (empty).
     */
    static ProcessFacts replay(List<Answer> answers) {
        Map<String, ArrayDeque<Object>> byQuestion = new HashMap<>();
        for (Answer a : answers) byQuestion.computeIfAbsent(a.question() + "\u0000" + a.argument(), k -> new ArrayDeque<>()).add(a.value() == null ? NONE : a.value());
        return new ProcessFacts() {
            private Object next(String q, String arg) {
                ArrayDeque<Object> d = byQuestion.get(q + "\u0000" + arg);
                if (d == null || d.isEmpty()) return NONE;
                return d.size() == 1 ? d.peek() : d.poll(); // the last answer stays for later questions
            }

            public Optional<String> cgroupOf(int pid) {
                Object v = next("cgroupOf", Integer.toString(pid));
                return v == NONE ? Optional.empty() : Optional.of(String.valueOf(v));
            }

            public String cgroupPath(long id) {
                Object v = next("cgroupPath", Long.toString(id));
                return v == NONE ? "" : String.valueOf(v);
            }

            public long cgroupId(String path) {
                Object v = next("cgroupId", path);
                return v instanceof Number n ? n.longValue() : -1;
            }

            public String exe(int pid) {
                Object v = next("exe", Integer.toString(pid));
                return v == NONE ? "" : String.valueOf(v);
            }

            @SuppressWarnings("unchecked")
            public Optional<List<String>> cmdline(int pid) {
                Object v = next("cmdline", Integer.toString(pid));
                return v instanceof List<?> l ? Optional.of(l.stream().map(String::valueOf).toList()) : Optional.empty();
            }

            public String realPath(String path) {
                Object v = next("realPath", path);
                return v == NONE ? path : String.valueOf(v);
            }

            public String comm(int pid) {
                Object v = next("comm", Integer.toString(pid));
                return v == NONE ? "" : String.valueOf(v);
            }

            public String linkedFile(long dev, long ino) {
                Object v = next("linkedFile", dev + ":" + ino);
                return v == NONE ? "" : String.valueOf(v);
            }

            public List<String> stack(int pid, int parent, dev.vigil.event.KernelEvent.UserStack stack) {
                Object v = next("stack", pid + ":" + key(stack));
                return v instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
            }

            public List<String> spawnStack(int pid, int parent) {
                Object v = next("spawnStack", pid + ":" + parent);
                return v instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
            }
        };
    }

    /** The addresses of a stack as one argument of a recorded question. */
    private static String key(dev.vigil.event.KernelEvent.UserStack s) {
        StringBuilder b = new StringBuilder(Long.toHexString(s.sp()));
        for (long a : s.frames()) b.append(',').append(Long.toHexString(a));
        return b.toString();
    }

    /** No recorded answer. */
    Object NONE = new Object();
}
