package dev.vigil.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.vigil.event.KernelEvent.Maps.Vma;

/**
 * A process's memory mappings (/proc/PID/maps): what each address of its user stack is, a
 * file's code (with the file offset to symbolize it by) or code from nowhere (anonymous
 * executable memory, a memfd, a deleted file, pages both writable and executable).
 */
public record ProcessMaps(int pid, List<Mapping> mappings) {
    public ProcessMaps {
        mappings = List.copyOf(mappings);
    }

    /** One line of /proc/PID/maps. */
    public record Mapping(long start, long end, String perms, long offset, String dev, long inode, String path) {
        public boolean executable() { return perms.length() > 2 && perms.charAt(2) == 'x'; }

        public boolean writable() { return perms.length() > 1 && perms.charAt(1) == 'w'; }

        /** The kernel's own code in the process: the vDSO, the vsyscall page, the uretprobe trampoline ([uprobes]). */
        public boolean special() { return path.equals("[vdso]") || path.equals("[vsyscall]") || path.equals("[uprobes]"); }

        /** A regular file on disk, still there: its code can be read and symbolized (named by its last component only when the kernel sent it and the file was not found). */
        public boolean fileBacked() { return inode != 0 && !path.isEmpty() && !path.startsWith("[") && !path.endsWith(" (deleted)"); }

        /**
         * What kind of code region this is, when it is not a file's own code: "anonymous" (no file), "memfd" (a memfd,
         * NAME included), "deleted" (a file removed since it was mapped), "writable" (a file mapping both writable and
         * executable); "" for a file's code.
         */
        public String nowhere() {
            if (special()) return "";
            if (path.startsWith("/memfd:")) return "memfd " + path.substring(1).replace(" (deleted)", "");
            if (path.endsWith(" (deleted)")) return "deleted " + path.substring(0, path.length() - " (deleted)".length());
            if (!fileBacked()) return "anonymous" + (path.isEmpty() ? "" : " " + path);
            if (writable()) return "writable " + path;
            return "";
        }
    }

    /** The mapping an address falls in. */
    public Optional<Mapping> find(long address) {
        int lo = 0, hi = mappings.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = mappings.get(mid);
            if (Long.compareUnsigned(address, m.start()) < 0) hi = mid - 1;
            else if (Long.compareUnsigned(address, m.end()) >= 0) lo = mid + 1;
            else return Optional.of(m);
        }
        return Optional.empty();
    }

    /**
     * The mappings the kernel sent for a process (its executable ones, at its first stack). A file is named by its
     * last component only; {@link Mapping#path()} is then "NAME" without a directory, and the symbolizer finds the
     * file by device and inode.
     */
    public static ProcessMaps of(dev.vigil.event.KernelEvent.Maps m) {
        List<Mapping> out = new ArrayList<>();
        for (var v : m.vmas()) {
            String perms = "r" + ((v.flags() & Vma.WRITE) != 0 ? "w" : "-") + "xp";
            String device = String.format("%02x:%02x", v.dev() >>> 20, v.dev() & 0xfffff);
            String path;
            if ((v.flags() & Vma.VDSO) != 0) path = "[vdso]";
            else if ((v.flags() & Vma.UPROBES) != 0) path = "[uprobes]";
            else if (v.ino() == 0) path = "";
            else if (v.name().startsWith("memfd:")) path = "/" + v.name() + " (deleted)";
            else path = v.name() + ((v.flags() & Vma.DELETED) != 0 ? " (deleted)" : "");
            out.add(new Mapping(v.start(), v.end(), perms, v.offset(), device, v.ino(), path));
        }
        out.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        return new ProcessMaps(m.who().tgid(), out);
    }

    /** Reads /proc/PID/maps; empty when the process is gone. */
    public static Optional<ProcessMaps> read(int pid) {
        try {
            return Optional.of(parse(pid, Files.readString(Path.of("/proc", Integer.toString(pid), "maps"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parses the text of /proc/PID/maps (lines "start-end perms offset dev inode [path]", in address order). */
    public static ProcessMaps parse(int pid, String text) {
        List<Mapping> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 5) continue;
            int dash = f[0].indexOf('-');
            out.add(new Mapping(Long.parseUnsignedLong(f[0].substring(0, dash), 16), Long.parseUnsignedLong(f[0].substring(dash + 1), 16), f[1],
                    Long.parseUnsignedLong(f[2], 16), f[3], Long.parseLong(f[4]), f.length > 5 ? f[5].trim() : ""));
        }
        return new ProcessMaps(pid, out);
    }
}
