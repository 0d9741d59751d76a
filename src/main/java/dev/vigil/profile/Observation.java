package dev.vigil.profile;

import dev.vigil.event.KernelEvent.Item;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A first sight from the kernel turned into a profile item: the dimension it belongs to,
 * the item (generalised, what the profile learns: {@code read /etc/<n>.conf},
 * {@code connect tcp 127.0.0.1:5432}, {@code ptrace ATTACH}), what happened in words for an
 * alert (exact, not generalised), and how serious a never-seen one is. Immutable.
 */
public record Observation(String dimension, String item, String words, Severity severity, String detail) {
    public enum Severity { LOW, MEDIUM, HIGH }

    static final int O_ACCMODE = 3, O_CREAT = 0100, O_TRUNC = 01000, O_DIRECTORY = 0200000;
    static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, EINPROGRESS = 115;
    private static final List<String> SENSITIVE = List.of("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root/", "/.ssh/", "/etc/ssh/ssh_host_",
            "/proc/<n>/mem", "/proc/<n>/environ", "/etc/security/opasswd", "/var/lib/sss/", "/etc/krb5.keytab");
    private static final List<String> TEMP = List.of("/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/");

    /** The observation of a kernel item, or empty when it says nothing a profile keeps. */
    public static Optional<Observation> of(Item e) { return of(e, dev.vigil.syscall.RiskyCalls::liveComm); }

    /** The same, naming the target of a signal or ptrace by commOf. */
    public static Optional<Observation> of(Item e, java.util.function.IntFunction<String> commOf) { return of(e, commOf, LinkedFiles.NONE); }

    /**
     * What a file opened through another name is: given an opened file's device (the
     * kernel's dev_t) and inode when it has more than one link, the credential file it is
     * ("" when none), so a hard link made elsewhere reads as that file.
     */
    @FunctionalInterface
    public interface LinkedFiles {
        String of(long dev, long ino);

        LinkedFiles NONE = (dev, ino) -> "";
    }

    /** The same, naming a file opened through a hard link by what links says it is. */
    public static Optional<Observation> of(Item e, java.util.function.IntFunction<String> commOf, LinkedFiles links) {
        Optional<Observation> o = item(e, commOf, links);
        // the probed functions it was made in (custom probes with a return pair): where in the program, not what
        return e.in().isEmpty() ? o : o.map(x -> new Observation(x.dimension(), x.item(), x.words() + " in " + String.join(" <- ", e.in()), x.severity(), x.detail()));
    }

    private static Optional<Observation> item(Item e, java.util.function.IntFunction<String> commOf, LinkedFiles links) {
        return switch (e.kind()) {
            case Item.SYSCALL -> Optional.of(new Observation(WorkloadProfile.SYSCALLS, e.call(), "made its first " + e.call() + " system call",
                    Severity.LOW, e.call()));
            case Item.FILE -> switch (e.action()) {
                case Item.ACT_LINK, Item.ACT_LINKAT, Item.ACT_SYMLINK, Item.ACT_SYMLINKAT -> link(e);
                default -> file(e, links);
            };
            case Item.NET -> net(e);
            case Item.RISKY -> Optional.of(risky(e, commOf));
            default -> Optional.empty();
        };
    }

    /**
     * A custom probe's hit: dimension probe:NAME, the item the function (its symbol, or the name its function argument
     * gave) with the values of the probe's profile arguments, generalised (by default its string arguments:
     * {@code getaddrinfo api.internal.example}); the words say the call with every captured value and the probed
     * functions it was made in. Returns of a pair, and a pair's entries outside the profile, say nothing (empty).
     */
    public static Optional<Observation> probe(dev.vigil.event.KernelEvent.Probe e, dev.vigil.event.ProbeSpec p) {
        boolean lone = p.entry() == null; // a uretprobe alone: what it returned
        if (e.phase().equals(dev.vigil.event.KernelEvent.Probe.RETURN) != lone) return Optional.empty();
        String function = p.function();
        if (p.functionArg() >= 0 && e.values().get(p.args().get(p.functionArg()).name()) instanceof String n && !n.isEmpty()) function = n;
        List<String> names = p.profile();
        if (names == null) {
            names = new java.util.ArrayList<>();
            if (p.tracepoint()) {
                for (var v : e.values().entrySet()) if (v.getValue() instanceof String) names.add(v.getKey());
            } else {
                for (var a : p.args()) if (a.type() == dev.vigil.event.ProbeSpec.Type.STRING) names.add(a.name());
            }
        }
        StringBuilder item = new StringBuilder(function);
        for (String n : names) {
            Object v = e.values().get(n);
            String t = v == null ? "" : v instanceof String str ? Patterns.generalise(str) : String.valueOf(v);
            if (t.length() > 128) t = t.substring(0, 128) + "...#" + String.format("%016x", Patterns.fnv(t));
            item.append(' ').append(t.isEmpty() ? "\"\"" : t);
        }
        StringBuilder words = new StringBuilder();
        if (lone) {
            long r = e.ret() == null ? 0 : e.ret();
            item.append(r < 0 ? " returned <0" : r == 0 ? " returned 0" : " returned >0");
            words.append(function).append(" returned ").append(r);
        } else {
            words.append("called ").append(function).append('(');
            int i = 0;
            for (var v : e.values().entrySet()) {
                if (i++ > 0) words.append(", ");
                String t = String.valueOf(v.getValue());
                words.append(v.getKey()).append('=').append(t.length() > 120 ? t.substring(0, 120) + "..." : t);
            }
            words.append(')');
        }
        List<String> callers = e.phase().equals(dev.vigil.event.KernelEvent.Probe.HIT) ? e.frames()
                : e.frames().isEmpty() ? List.of() : e.frames().subList(1, e.frames().size());
        if (!callers.isEmpty()) words.append(" in ").append(String.join(" <- ", callers));
        words.append(" (probe ").append(p.name()).append(')');
        return Optional.of(new Observation(WorkloadProfile.PROBE + p.name(), item.toString(), words.toString(), Severity.MEDIUM,
                words.substring(0, words.lastIndexOf(" (probe "))));
    }

    /**
     * The absolute path of a file item: the file the kernel opened (its own path, symlinks followed) when it was an
     * open; else as passed, or joined to the directory it was relative to.
     */
    public static String path(Item e) {
        if (!e.real().isEmpty()) return e.real();
        return passed(e);
    }

    /** The path as the program passed it (joined to the directory it was relative to, . and .. resolved as text). */
    static String passed(Item e) {
        String p = e.path();
        if (p.startsWith("/")) return normal(p);
        if (e.dir().isEmpty()) return p;
        return normal(e.dir() + "/" + p);
    }

    private static String normal(String p) {
        if (!p.contains("/.") && !p.contains("//")) return p; // nothing to resolve (most paths)
        try {
            return Path.of(p).normalize().toString();
        } catch (RuntimeException ex) {
            return p;
        }
    }

    /**
     * A link made: the item is what it links to (a hard link's old path, a symbolic link's
     * target, joined to the link's directory when relative), so a link in /tmp to a credential
     * file names the credential file; the link's own name is in the words.
     */
    private static Optional<Observation> link(Item e) {
        boolean sym = e.action() == Item.ACT_SYMLINK || e.action() == Item.ACT_SYMLINKAT;
        String name = e.real(), t = e.path();
        String nameAbs = name.startsWith("/") ? normal(name) : sym && !e.dir().isEmpty() ? normal(e.dir() + "/" + name) : name;
        String target;
        if (t.isEmpty()) target = e.dir(); // linkat(fd, "", ..., AT_EMPTY_PATH): the file open as fd
        else if (t.startsWith("/")) target = normal(t);
        else if (sym) {
            int slash = nameAbs.lastIndexOf('/');
            target = slash > 0 ? normal(nameAbs.substring(0, slash) + "/" + t) : slash == 0 ? normal("/" + t) : t;
        } else target = e.dir().isEmpty() ? t : normal(e.dir() + "/" + t);
        if (target.isEmpty()) return Optional.empty();
        String general = Patterns.generalise(target);
        boolean sensitive = SENSITIVE.stream().anyMatch(general::contains);
        String intent = sym ? "symlink" : "link";
        String words = (sym ? "made a symbolic link to " + target + " at " : "made a hard link to " + target + " as ") + (name.isEmpty() ? "?" : nameAbs);
        return Optional.of(new Observation(WorkloadProfile.FILES, intent + " " + general, words, sensitive ? Severity.HIGH : Severity.MEDIUM, target));
    }

    private static Optional<Observation> file(Item e, LinkedFiles links) {
        String path = path(e);
        if (path.isEmpty()) return Optional.empty();
        String hardLink = "";
        if (isOpen(e.action()) && e.args() != null && e.args().length > 2 && e.args()[2] > 1) { // a file with other names: is it a credential file?
            String is = links.of(e.args()[1], e.args()[0]);
            if (!is.isEmpty() && !is.equals(path)) {
                hardLink = path;
                path = is;
            }
        }
        long f = e.flags();
        String intent, verb;
        switch (e.action()) {
            case Item.ACT_OPEN, Item.ACT_OPENAT, Item.ACT_OPENAT2, Item.ACT_CREAT -> {
                if ((f & O_CREAT) != 0) { intent = "create"; verb = "created or wrote"; }
                else if ((f & O_ACCMODE) != 0 || (f & O_TRUNC) != 0) { intent = "write"; verb = "opened for writing"; }
                else if ((f & O_DIRECTORY) != 0) { intent = "list"; verb = "listed"; }
                else { intent = "read"; verb = "read"; }
            }
            case Item.ACT_UNLINK, Item.ACT_UNLINKAT -> { intent = "delete"; verb = "deleted"; }
            case Item.ACT_RENAME, Item.ACT_RENAMEAT -> { intent = "rename"; verb = "renamed a file to"; }
            case Item.ACT_CHMOD, Item.ACT_FCHMODAT -> {
                boolean exec = (f & 0111) != 0;
                intent = exec ? "chmod+x" : "chmod";
                verb = (exec ? "made executable" : "changed the mode of") + " (mode " + Long.toOctalString(f & 07777) + ")";
            }
            default -> { return Optional.empty(); }
        }
        String general = Patterns.generalise(path);
        boolean temp = TEMP.stream().anyMatch(path::startsWith);
        boolean sensitive = SENSITIVE.stream().anyMatch(general::contains);
        Severity sev = sensitive || (temp && !intent.equals("read") && !intent.equals("list")) ? Severity.HIGH
                : intent.equals("read") || intent.equals("list") ? Severity.LOW : Severity.MEDIUM;
        String words = verb.startsWith("made") || verb.startsWith("changed") ? verb.replaceFirst(" \\(", " " + path + " (") : verb + " " + path;
        String through = e.real().isEmpty() || e.path().isEmpty() ? "" : passed(e);
        // a symlink, a path of . and .. or a bind mount: the words say what was passed (a relative one is judged by its tail)
        boolean differs = through.startsWith("/") ? !through.equals(path) : !through.isEmpty() && !path.endsWith("/" + normal("/" + through).substring(1));
        if (!hardLink.isEmpty()) words += " (through the hard link " + hardLink + ")";
        else if (differs) words += " (through " + (e.path().length() > 120 ? e.path().substring(0, 120) + "..." : e.path()) + ")"; // as passed
        return Optional.of(new Observation(WorkloadProfile.FILES, intent + " " + general, words, sev, path));
    }

    private static boolean isOpen(int action) {
        return action == Item.ACT_OPEN || action == Item.ACT_OPENAT || action == Item.ACT_OPENAT2 || action == Item.ACT_CREAT;
    }

    private static String proto(Item e) {
        if (e.family() == AF_UNIX) return "unix";
        return switch ((int) e.flags()) {
            case 1 -> "tcp";
            case 2 -> "udp";
            case 3 -> "raw";
            case 5 -> "seqpacket";
            default -> "sock" + e.flags();
        };
    }

    /** The text of an address: a.b.c.d, [v6]. */
    public static String address(int family, byte[] a) {
        try {
            if (family == AF_INET) return InetAddress.getByAddress(Arrays.copyOf(a, 4)).getHostAddress();
            if (family == AF_INET6) return "[" + InetAddress.getByAddress(a).getHostAddress() + "]";
        } catch (UnknownHostException ex) {
            return "?";
        }
        return "?";
    }

    static String className(int c) {
        return switch (c) {
            case Item.NET_ANY -> "any";
            case Item.NET_LOOPBACK -> "loopback";
            case Item.NET_PRIVATE -> "private";
            case Item.NET_LINK_LOCAL -> "link-local";
            case Item.NET_MULTICAST -> "multicast";
            case Item.NET_PUBLIC -> "public";
            case Item.NET_UNIX -> "unix";
            default -> "class" + c;
        };
    }

    private static Optional<Observation> net(Item e) {
        String proto = proto(e);
        String op = switch (e.action()) {
            case Item.ACT_CONNECT -> "connect";
            case Item.ACT_BIND -> "bind";
            case Item.ACT_LISTEN -> "listen";
            case Item.ACT_ACCEPT -> "accept";
            default -> null;
        };
        if (op == null) return Optional.empty();
        if (e.family() == AF_UNIX) {
            String where = e.path().isEmpty() ? "" : " " + e.path();
            String words = switch (op) {
                case "connect" -> "connected to the unix socket" + where;
                case "bind" -> "bound the unix socket" + where;
                case "listen" -> "listens on a unix socket";
                default -> "accepted a unix-socket connection";
            };
            return Optional.of(new Observation(WorkloadProfile.NETWORK, op + " unix" + (where.isEmpty() ? "" : " " + Patterns.generalise(e.path())), words,
                    op.equals("connect") ? Severity.MEDIUM : Severity.LOW, e.path()));
        }
        String addr = address(e.family(), e.addr()), cls = className(e.netClass());
        boolean pub = e.netClass() == Item.NET_PUBLIC;
        String endpoint = addr + ":" + e.port();
        // a public address getaddrinfo gave: the item is the name it was looked up by (generalised), not the class alone
        String name = pub && op.equals("connect") ? e.path() : "";
        return Optional.of(switch (op) {
            case "connect" -> new Observation(WorkloadProfile.NETWORK, "connect " + proto + " " + (pub ? name.isEmpty() ? "public" : Patterns.generalise(name) : addr)
                    + ":" + e.port(),
                    (e.ret() < 0 && e.ret() != -EINPROGRESS ? "tried to connect to " : "connected to ") + endpoint + " (" + proto
                            + (pub ? name.isEmpty() ? ", a public address" : ", a public address looked up as " + name : ", " + cls)
                            + (e.ret() < 0 && e.ret() != -EINPROGRESS ? "; " + dev.vigil.syscall.Errno.describe((int) -e.ret()) : "")
                            + ")", Severity.HIGH, name.isEmpty() ? endpoint : name + ":" + e.port());
            case "bind" -> new Observation(WorkloadProfile.NETWORK, "bind " + proto + " " + endpoint, "bound " + proto + " " + endpoint,
                    Severity.MEDIUM, endpoint);
            case "listen" -> new Observation(WorkloadProfile.NETWORK, "listen " + proto + " " + endpoint, "listens on " + proto + " " + endpoint,
                    Severity.HIGH, endpoint);
            default -> new Observation(WorkloadProfile.NETWORK, "accept " + proto + " :" + e.port() + " from " + cls,
                    "accepted a " + proto + " connection on port " + e.port() + " from " + addr + " (" + cls + ")", Severity.MEDIUM, addr);
        });
    }

    private static Observation risky(Item e, java.util.function.IntFunction<String> commOf) {
        long[] a = Arrays.copyOf(e.args(), 6);
        String call = e.call(), detail = dev.vigil.syscall.RiskyCalls.detail(call, a, e.path(), commOf);
        String item = switch (call) {
            case "setuid", "setgid" -> call + (a[0] == 0 ? " to root" : " to non-root");
            case "setreuid", "setregid", "setresuid", "setresgid" -> call + (a[1] == 0 ? " to root" : " to non-root");
            case "ptrace", "bpf", "kill", "tgkill", "tkill" -> call + " " + firstWord(detail);
            case "unshare" -> call + " flags=0x" + Long.toHexString(a[0]);
            case "setns" -> call + " nstype=0x" + Long.toHexString(a[1]);
            default -> call + (e.path().isEmpty() ? "" : " " + Patterns.generalise(e.path()));
        };
        return new Observation(WorkloadProfile.RISKY, item, "called " + call + " (" + detail + ")", Severity.HIGH, detail);
    }

    /** The value of the first key=value of a risky call's detail (request=ATTACH -> ATTACH). */
    private static String firstWord(String detail) {
        String w = detail.split(" ")[0];
        int i = detail.indexOf("signal="); // kill, tgkill, tkill: the signal names the item
        if (i >= 0) return detail.substring(i + 7).split(" ")[0];
        int eq = w.indexOf('=');
        return (eq < 0 ? w : w.substring(eq + 1)).toUpperCase(Locale.ROOT);
    }
}
