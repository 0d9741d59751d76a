package dev.vigil.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This host's credential files by (device, inode): a file opened through a hard link made
 * elsewhere (/tmp/x linked to /etc/shadow) is named by the path of the link, and only its
 * inode says which file it is. The files are the concrete ones of the profiles' sensitive
 * patterns (the shadow and sudoers files, SSH host keys, root's and users' .ssh files),
 * looked up again at most once a minute. One thread.
 */
public final class SensitiveFiles {
    static final List<String> FILES = List.of("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers",
            "/etc/security/opasswd", "/etc/krb5.keytab");
    /** Folders whose every regular file is one (SSH host keys by their name). */
    static final List<String> FOLDERS = List.of("/etc/sudoers.d", "/root/.ssh", "/etc/ssh");

    private final Map<String, String> byInode = new HashMap<>();
    private long loaded = Long.MIN_VALUE / 2;

    /** The credential file a kernel (dev_t, inode) is, or "". */
    public synchronized String of(long kernelDev, long ino) {
        long now = System.nanoTime();
        if (now - loaded > 60_000_000_000L) {
            load();
            loaded = now;
        }
        return byInode.getOrDefault(userDev(kernelDev) + ":" + ino, "");
    }

    /** The kernel's dev_t (major << 20 | minor) as stat's st_dev encodes it. */
    static long userDev(long kdev) {
        long major = kdev >>> 20, minor = kdev & 0xfffff;
        return (minor & 0xff) | (major << 8) | ((minor & ~0xffL) << 12);
    }

    private void load() {
        byInode.clear();
        for (String f : FILES) add(Path.of(f));
        for (String d : FOLDERS) each(Path.of(d), d.equals("/etc/ssh"));
        try (DirectoryStream<Path> homes = Files.newDirectoryStream(Path.of("/home"))) {
            for (Path h : homes) each(h.resolve(".ssh"), false);
        } catch (IOException | RuntimeException e) {
            // no /home
        }
    }

    private void each(Path dir, boolean hostKeysOnly) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (!hostKeysOnly || (n.startsWith("ssh_host_") && n.endsWith("_key"))) add(f);
            }
        } catch (IOException | RuntimeException e) {
            // absent or unreadable
        }
    }

    private void add(Path f) {
        try {
            var a = Files.readAttributes(f, "unix:dev,ino,isRegularFile", LinkOption.NOFOLLOW_LINKS);
            if (Boolean.TRUE.equals(a.get("isRegularFile"))) byInode.put(a.get("dev") + ":" + a.get("ino"), f.toString());
        } catch (IOException | RuntimeException e) {
            // absent
        }
    }
}
