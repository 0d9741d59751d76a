package dev.vigil.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on unified systems,
 * /sys/fs/cgroup/unified on hybrid ones (cgroup v1 controllers beside it). The ids the BPF
 * programs see (bpf_get_current_cgroup_id) are the inodes of its folders. Thread-safe.
 */
public final class CgroupFs {
    private static volatile Path root;

    private CgroupFs() {}

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
}
