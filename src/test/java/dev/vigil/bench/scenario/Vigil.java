package dev.vigil.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * vigil's own commands (record, monitor, agent, evaluate) as child processes of the bench,
 * run by this JVM's java with its class path, so each is measured and stopped on its own.
 */
final class Vigil {
    private Vigil() {}

    static ProcessBuilder command(String... args) {
        List<String> c = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main"));
        c.addAll(List.of(args));
        return new ProcessBuilder(c);
    }

    /** Starts a vigil command, its stdout to out and its stderr to err. */
    static Process start(Path out, Path err, String... args) throws IOException {
        return command(args).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
    }

    /** Waits until a line containing text appears in log (or the process ends, or 60 s pass). */
    static boolean awaitLine(Process p, Path log, String text) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (Files.exists(log) && Files.readString(log).contains(text)) return true;
            if (!p.isAlive()) return false;
            Thread.sleep(100);
        }
        return false;
    }

    /** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ 100)
    }

    /** Resident memory of a process in MiB, from /proc/PID/status. */
    static double rssMiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
        return 0;
    }
}
