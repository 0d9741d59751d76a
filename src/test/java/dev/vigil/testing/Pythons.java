package dev.vigil.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A CPython that writes perf maps (3.12 or later, {@code -X perf}): on PATH, or a pyenv build. Debian 12's own is 3.11. */
public final class Pythons {
    private Pythons() {}

    public static Optional<Path> withPerfMaps() {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            for (String n : List.of("python3.14", "python3.13", "python3.12")) candidates.add(Path.of(dir, n));
        }
        Path pyenv = Path.of(System.getProperty("user.home"), ".pyenv/versions");
        if (Files.isDirectory(pyenv)) {
            try (var s = Files.list(pyenv)) {
                s.sorted().forEach(v -> {
                    for (String n : List.of("python3.14", "python3.13", "python3.12")) candidates.add(v.resolve("bin").resolve(n));
                });
            } catch (java.io.IOException e) {
                // none there
            }
        }
        for (Path p : candidates) {
            if (!Files.isExecutable(p) || p.toString().contains("/shims/")) continue;
            try {
                Process pr = new ProcessBuilder(p.toString(), "-X", "perf", "-c", "import sys; sys.exit(0 if sys.is_stack_trampoline_active() else 1)")
                        .redirectErrorStream(true).start();
                pr.getInputStream().readAllBytes();
                if (pr.waitFor(20, TimeUnit.SECONDS) && pr.exitValue() == 0) return Optional.of(p);
            } catch (Exception e) {
                // not this one
            }
        }
        return Optional.empty();
    }
}
