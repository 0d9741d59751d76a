package dev.vigil.profile;

import java.util.List;
import java.util.Set;

/**
 * What a workload is: where it runs (a systemd unit, a container, else its cgroup path, else
 * "host") and what it is: the executable; for interpreters (python, perl, ruby, node, php,
 * a shell running a script, java with -jar or a main class) the script, jar or class; for
 * multi-call binaries (busybox) the name it was called by. Reads well:
 * {@code webapp.service python3:/srv/app/webapp.py}. Immutable.
 */
public record WorkloadKey(String scope, String program) {
    private static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "zsh", "ksh", "ash", "mksh");
    private static final Set<String> MULTICALL = Set.of("busybox", "toybox");

    public WorkloadKey {
        if (scope.isBlank() || program.isBlank()) throw new IllegalArgumentException("empty workload key");
    }

    /** scope and program, separated by one space (programs never contain one: see {@link #program(String, List)}). */
    public String text() { return scope + " " + program; }

    /** Parses {@link #text()}. */
    public static WorkloadKey parse(String text) {
        int sp = text.indexOf(' ');
        if (sp <= 0) throw new IllegalArgumentException("not a workload key: '" + text + "'");
        return new WorkloadKey(text.substring(0, sp), text.substring(sp + 1));
    }

    /**
     * The key of a process: scope from its cgroup (its container's scope: image:REPO:TAG,
     * k8s:NS/KIND/OWNER/CONTAINER or container:ID12; else the unit; else the path), program
     * from its executable and argv. A container comes before the unit its runtime made for it
     * (docker-ID.scope).
     */
    public static WorkloadKey of(String unit, String containerScope, String cgroup, String exe, List<String> argv) {
        String scope = !containerScope.isEmpty() ? containerScope : !unit.isEmpty() ? unit
                : !cgroup.isEmpty() && !cgroup.equals("/") ? "cgroup:" + cgroup : "host";
        return new WorkloadKey(scope.replace(' ', '_'), program(exe, argv));
    }

    /** What the process is: see the class comment. No spaces. */
    public static String program(String exe, List<String> argv) {
        String base = exe.substring(exe.lastIndexOf('/') + 1);
        String name = base.replaceAll("[0-9.]+$", ""); // python3.11 -> python, perl5.36 -> perl
        if (name.isEmpty()) name = base;
        String out = base;
        if (MULTICALL.contains(base) && !argv.isEmpty()) {
            String called = argv.getFirst().substring(argv.getFirst().lastIndexOf('/') + 1);
            out = base + ":" + (called.equals(base) && argv.size() > 1 ? argv.get(1) : called);
        } else if (List.of("python", "perl", "ruby", "node", "nodejs", "php").contains(name) || SHELLS.contains(base)) {
            String script = script(argv, SHELLS.contains(base));
            if (script != null) out = base + ":" + script;
        } else if (name.equals("java")) {
            String main = javaMain(argv);
            if (main != null) out = base + ":" + main;
        }
        return out.replace(' ', '_');
    }

    /** The first argument that is a script path (not an option, not after -c/-e/-m), or null. */
    private static String script(List<String> argv, boolean shell) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("-c") || a.equals("-e") || a.equals("-m") || a.equals("-")) return a.equals("-m") && i + 1 < argv.size() ? "-m:" + argv.get(i + 1) : null;
            if (a.startsWith("-")) continue;
            return a;
        }
        return null;
    }

    /** -jar JAR, or the main class (the first argument that is not an option or an option's value). */
    private static String javaMain(List<String> argv) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("-jar") && i + 1 < argv.size()) return argv.get(i + 1);
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path") || a.equals("-p") || a.equals("--module-path")) {
                i++;
                continue;
            }
            if (a.equals("-m") || a.equals("--module")) return i + 1 < argv.size() ? argv.get(i + 1) : null;
            if (a.startsWith("-")) continue;
            return a;
        }
        return null;
    }
}
