package dev.vigil.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one cgroup helper. Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup on
 * unified systems, /sys/fs/cgroup/unified on hybrid ones; the ids the BPF programs see,
 * bpf_get_current_cgroup_id, are the inodes of its folders), and cgroup v2 paths and what
 * they name: the path of a process (/proc/PID/cgroup), the path of
 * a cgroup id (the inode of its folder under the cgroup2 mount; the folders are indexed on a
 * miss, at most once every 2 s, at most 20,000 of them), the systemd unit and the
 * container id a path names. Thread-safe.
 */
public final class Cgroups {
    private static volatile Path root;

    /** The cgroup2 mount point (the first in /proc/mounts), else /sys/fs/cgroup. */
    public static Path root() {
        Path r = root;
        if (r == null) {
            r = Path.of("/sys/fs/cgroup");
            try {
                for (String l : Files.readAllLines(Path.of("/proc/mounts"))) {
                    String[] f = l.split(" ");
                    if (f.length > 2 && f[2].equals("cgroup2")) {
                        r = Path.of(f[1]);
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // keep the default
            }
            root = r;
        }
        return r;
    }

    /** The folder of a cgroup path ("/system.slice/x.service", "/" the root). */
    public static Path folder(String cgroupPath) {
        String rel = cgroupPath.replaceFirst("^/+", "");
        return rel.isEmpty() ? root() : root().resolve(rel);
    }

    /** The id of a cgroup path (its folder's inode), or -1 when there is no such cgroup. */
    public static long id(String cgroupPath) {
        try {
            return (Long) Files.getAttribute(folder(cgroupPath), "unix:ino");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static final Pattern UNIT = Pattern.compile("([^/]+\\.(?:service|scope|socket|mount|swap|slice))$");
    private static final Pattern CONTAINER = Pattern.compile("(?:^|[/-])([0-9a-f]{64})(?:\\.scope)?(?:/|$)");
    private final Map<Long, String> byId = new HashMap<>();
    private long lastScan = Long.MIN_VALUE / 2, maxId;

    /** The cgroup v2 path of a live process ("/system.slice/nginx.service"), or empty. */
    public static Optional<String> ofProcess(int pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup"))) {
                if (l.startsWith("0::")) return Optional.of(l.substring(3));
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return Optional.empty();
    }

    /** The ids of every cgroup of this host now (their folders' inodes); empty when the hierarchy cannot be walked. */
    public static Optional<java.util.Set<Long>> liveIds() {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        try (Stream<Path> dirs = Files.walk(root(), 32)) {
            dirs.forEach(d -> {
                try {
                    var a = Files.readAttributes(d, "unix:ino,isDirectory");
                    if (Boolean.TRUE.equals(a.get("isDirectory"))) ids.add((Long) a.get("ino"));
                } catch (IOException | RuntimeException e) {
                    // vanished while walking
                }
            });
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids);
    }

    /** The path of a cgroup id, or "" when no folder has it. */
    public synchronized String pathOf(long id) {
        if (id <= 0) return "";
        String p = byId.get(id);
        if (p != null) return p;
        long now = System.nanoTime();
        // cgroup ids grow: one newer than every id of the last walk was made since, and a walk finds it
        // (a short-lived process in a new cgroup is often gone before it is asked about); others wait 2 s
        boolean newer = id > maxId && now - lastScan >= 100_000_000L;
        if (!newer && now - lastScan < 2_000_000_000L) return "";
        lastScan = now;
        Path root = root();
        try (Stream<Path> dirs = Files.walk(root, 12)) {
            dirs.filter(Files::isDirectory).limit(20_000).forEach(d -> {
                try {
                    long ino = (Long) Files.getAttribute(d, "unix:ino");
                    byId.put(ino, "/" + root.relativize(d).toString());
                    if (ino > maxId) maxId = ino;
                } catch (IOException | RuntimeException e) {
                    // vanished while walking
                }
            });
        } catch (IOException | RuntimeException e) {
            return "";
        }
        if (byId.size() > 50_000) byId.clear();
        return byId.getOrDefault(id, "");
    }

    /** The systemd unit the deepest .service/.scope/... component of a path names, or "". */
    public static String unit(String path) {
        String best = "";
        for (String part : path.split("/")) {
            Matcher m = UNIT.matcher(part);
            if (m.find() && !part.endsWith(".slice")) best = m.group(1);
        }
        return best;
    }

    /** A container id (64 hex digits: docker-ID.scope, cri-containerd-ID.scope, /docker/ID, libpod-ID) in a path, or "". */
    public static String container(String path) {
        Matcher m = CONTAINER.matcher(path);
        String found = "";
        while (m.find()) found = m.group(1);
        return found;
    }

    /** Whether a cgroup path is one of roots or below one (an ignored cgroup of the workload profiles). */
    public static boolean under(String path, java.util.List<String> roots) {
        for (String r : roots) if (path.equals(r) || path.startsWith(r.endsWith("/") ? r : r + "/")) return true;
        return false;
    }
}
