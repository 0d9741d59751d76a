package dev.vigil.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finding a binary or library by path or bare name, the way probes and resolver libraries are named. */
public final class Binaries {
    private Binaries() {}

    /** A binary's path: as given when it has a slash, else found in the library folders or PATH; null when not found. */
    public static Path find(String bin) {
        if (bin.contains("/")) return Files.isRegularFile(Path.of(bin)) ? Path.of(bin) : null;
        String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64";
        List<String> dirs = new ArrayList<>(List.of("/lib/" + arch + "-linux-gnu", "/usr/lib/" + arch + "-linux-gnu", "/lib64", "/usr/lib", "/lib"));
        String path = System.getenv("PATH");
        if (path != null) dirs.addAll(List.of(path.split(":")));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, bin);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }
}
