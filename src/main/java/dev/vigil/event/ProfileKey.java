package dev.vigil.event;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An executable, the key of its sequence profile: device (the kernel's dev_t encoding) and inode of its file. */
public record ProfileKey(long ino, int dev) {
    /** The key of the file at path (the kernel's dev_t encoding of stat's st_dev). */
    public static ProfileKey of(Path path) throws IOException {
        long ino = (Long) Files.getAttribute(path, "unix:ino");
        long st = (Long) Files.getAttribute(path, "unix:dev");
        long major = (st >>> 8) & 0xfff, minor = (st & 0xff) | ((st >>> 12) & 0xfff00);
        return new ProfileKey(ino, (int) ((major << 20) | minor));
    }

    @Override
    public String toString() { return String.format("%d:%d:%d", dev >>> 20, dev & 0xfffff, ino); }
}
