package dev.vigil.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** vigil in a child JVM, optionally behind a wrapper command (unshare, setpriv). */
record ChildJvm(int exit, String out, String err) {
    static ChildJvm run(List<String> wrapper, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        var errText = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                errText.complete(new String(err.readAllBytes()));
            } catch (IOException e) {
                errText.complete("");
            }
        });
        String outText = new String(out.readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("child vigil did not finish: " + cmd);
        }
        String e = errText.join();
        System.out.print(outText);
        System.err.print(e);
        return new ChildJvm(p.exitValue(), outText, e);
    }
}
