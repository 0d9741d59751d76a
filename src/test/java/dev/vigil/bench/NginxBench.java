package dev.vigil.bench;

import dev.vigil.bpf.BpfObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of vigil to a real service, side by side in one run: nginx (1 worker) serving a
 * small file to wrk on loopback, with nothing, with an empty tp_btf sys_enter program (the
 * floor every syscall probe pays), with empty programs on sys_enter and sys_exit (the floor
 * of a probe that judges calls at their exit, as the workload probe does), with `vigil
 * watch`, with `vigil agent` (its defaults) and with the agent's workload profiles alone.
 * Built to rank configurations on 2 cores: nginx alone on CPU 0 (the probes' cost lands in
 * its calls), wrk and vigil's user space on CPU 1; wrk runs in a cgroup of its own that the
 * agent's workload profiles ignore (a remote client would not be profiled); at least 5
 * rounds interleave the configurations, each started fresh. Each configuration's median is
 * set against the no-probe median, beside the no-probe rounds' own half-range: a loss is
 * claimed only when it lies outside that spread.
 * Usage: bench/nginx.sh [seconds-per-round=10] [rounds=5] (root; installs nginx and wrk).
 */
public final class NginxBench {
    enum Config { NONE, FLOOR, FLOOR2, WATCH, AGENT, AGENT_PROFILES_ONLY, AGENT_JUDGED }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10, rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        if (rounds < 5) throw new IllegalArgumentException("at least 5 rounds: fewer cannot show the no-probe spread");
        Path dir = Files.createTempDirectory("vigil-nginx-bench");
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("index.html"), "x".repeat(612));
        Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 1024; }
                http {
                  access_log off;
                  server { listen 127.0.0.1:%2$d; root %1$s; }
                }
                """.formatted(dir, port));
        load = dev.vigil.host.Cgroups.root().resolve("vigil-bench-load-" + ProcessHandle.current().pid());
        Files.createDirectories(load);
        String ignore = "    ignore: [/user.slice, /" + load.getFileName() + "]\n";
        Files.writeString(dir.resolve("agent.yaml"), "state_dir: " + dir.resolve("state") + "\ndetectors:\n  sequence: {enabled: true}\n  profiles:\n" + ignore
                + "outputs:\n  file: {path: " + dir.resolve("alerts.json") + "}\n");
        Files.writeString(dir.resolve("profiles.yaml"), "state_dir: " + dir.resolve("state2") + "\ndetectors:\n  sequence: {enabled: false}\n  profiles:\n" + ignore
                + "outputs:\n  file: {path: " + dir.resolve("alerts2.json") + "}\n");
        Files.writeString(dir.resolve("judged.yaml"), "state_dir: " + dir.resolve("state3") + "\ndetectors:\n  sequence: {enabled: false}\n  profiles:\n" + ignore
                + "    syscalls: false\n" + "outputs:\n  file: {path: " + dir.resolve("alerts3.json") + "}\n");
        Process nginx = new ProcessBuilder("taskset", "-c", "0", "nginx", "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;").inheritIO().start();
        Map<Config, List<Double>> results = new LinkedHashMap<>();
        for (Config c : Config.values()) results.put(c, new ArrayList<>());
        try {
            Thread.sleep(1000);
            wrk(port, 3); // warm-up
            for (int r = 0; r < rounds; r++) {
                for (Config c : Config.values()) results.get(c).add(measure(c, port, seconds, dir));
            }
            // after the timed rounds, untimed: each probed configuration once more with the kernel's BPF statistics on
            // (they add two clock reads a run, so never in a timed round): each program's own ns per run, and the BPF
            // time per request
            for (Config c : List.of(Config.FLOOR, Config.FLOOR2, Config.WATCH, Config.AGENT, Config.AGENT_PROFILES_ONLY, Config.AGENT_JUDGED)) {
                bpfStats.put(c, statsRun(c, port, seconds, dir));
            }
        } finally {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
            try {
                Files.deleteIfExists(load);
            } catch (IOException busy) {
                // wrk's last process still leaving
            }
        }
        double none = KernelOverheadBench.median(results.get(Config.NONE));
        List<Double> n = results.get(Config.NONE);
        double spread = 100 * (n.stream().mapToDouble(Double::doubleValue).max().orElse(0) - n.stream().mapToDouble(Double::doubleValue).min().orElse(0)) / 2 / none;
        System.out.printf(Locale.ROOT, "nginx (1 worker, CPU 0) serving 612 bytes to wrk (1 thread, 32 connections, CPU 1) on loopback, %d s x %d interleaved rounds,"
                + " median requests/s; the no-probe rounds' half-range is %.1f %% of their median%n", seconds, rounds, spread);
        for (Config c : Config.values()) {
            double v = KernelOverheadBench.median(results.get(c));
            double lo = results.get(c).stream().mapToDouble(Double::doubleValue).min().orElse(0), hi = results.get(c).stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double loss = 100 * (none - v) / none;
            String verdict = c == Config.NONE ? "" : Math.abs(loss) <= spread ? "   within the no-probe spread: no claim" : String.format(Locale.ROOT, "   %s %.1f %%", loss > 0 ? "costs" : "gains", Math.abs(loss));
            System.out.printf(Locale.ROOT, "  %-38s %8.0f req/s  (%+5.1f %%)   rounds %.0f..%.0f%s%n", label(c), v, -loss, lo, hi, verdict);
        }
        System.out.printf("  each probed configuration once more, untimed, with kernel.bpf_stats_enabled (vigil's programs, whatever ran them):%n");
        for (String st : bpfStats.values()) System.out.print(st);
    }

    private static Path load;
    private static final Map<Config, String> bpfStats = new LinkedHashMap<>();

    /** One untimed run of c with BPF statistics on: each vigil program's runs a second and ns a run, and the BPF ns per request. */
    static String statsRun(Config c, int port, int seconds, Path dir) throws Exception {
        try (AutoCloseable on = dev.vigil.bpf.ProgramStats.enable()) {
            Map<String, dev.vigil.bpf.ProgramStats.Totals> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
            double[] rate = new double[1];
            measure(c, port, seconds, dir, () -> before.putAll(dev.vigil.bpf.ProgramStats.vigil()), () -> after.putAll(dev.vigil.bpf.ProgramStats.vigil()), rate);
            StringBuilder sb = new StringBuilder();
            long ns = 0;
            for (var e : after.entrySet()) {
                var b = before.getOrDefault(e.getKey(), new dev.vigil.bpf.ProgramStats.Totals(0, 0, 0));
                long runs = e.getValue().runs() - b.runs(), runNs = e.getValue().runNs() - b.runNs();
                if (runs <= 0) continue;
                ns += runNs;
                sb.append(String.format(Locale.ROOT, "      %-22s %9.0f runs/s  %6.1f ns a run%n", e.getKey(), runs / (double) seconds, runNs / (double) runs));
            }
            double requests = rate[0] * seconds;
            return String.format(Locale.ROOT, "    %s: %.0f req/s; BPF %.2f µs a request (%.1f %% of a request's %.2f µs)%n", label(c), rate[0],
                    ns / requests / 1000, 100 * ns / requests / (1e9 / rate[0]), 1e6 / rate[0]) + sb;
        }
    }

    static String label(Config c) {
        return switch (c) {
            case NONE -> "no probe";
            case FLOOR -> "empty tp_btf sys_enter (floor)";
            case FLOOR2 -> "empty tp_btf sys_enter + sys_exit";
            case WATCH -> "vigil watch";
            case AGENT -> "vigil agent (sequence detector on)";
            case AGENT_PROFILES_ONLY -> "vigil agent (defaults: profiles)";
            case AGENT_JUDGED -> "vigil agent (profiles, syscalls: false)";
        };
    }

    static double measure(Config c, int port, int seconds, Path dir) throws Exception {
        return measure(c, port, seconds, dir, () -> { }, () -> { }, new double[1]);
    }

    static double measure(Config c, int port, int seconds, Path dir, Runnable before, Runnable after, double[] rate) throws Exception {
        BpfObject floor = null;
        Process vigil = null;
        try {
            switch (c) {
                case NONE -> { }
                case FLOOR, FLOOR2 -> {
                    floor = BpfObject.openResource(NginxBench.class, "/dev/vigil/bpf/floor_empty.bpf.o").load();
                    floor.attach("vigil_floor_btf");
                    if (c == Config.FLOOR2) floor.attach("vigil_floor_btf_exit");
                }
                case WATCH -> vigil = vigil(dir, "watch", "--pin-dir", "/sys/fs/bpf/vigil-bench-" + ProcessHandle.current().pid());
                case AGENT -> vigil = vigil(dir, "agent", "--config", dir.resolve("agent.yaml").toString());
                case AGENT_PROFILES_ONLY -> vigil = vigil(dir, "agent", "--config", dir.resolve("profiles.yaml").toString());
                case AGENT_JUDGED -> vigil = vigil(dir, "agent", "--config", dir.resolve("judged.yaml").toString());
            }
            before.run();
            rate[0] = wrk(port, seconds);
            after.run();
            return rate[0];
        } finally {
            if (floor != null) floor.close();
            if (vigil != null) {
                vigil.destroy();
                vigil.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static Process vigil(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main"));
        cmd.addAll(List.of(args));
        cmd.addAll(0, List.of("taskset", "-c", "1")); // vigil's user space beside wrk, not on nginx's CPU
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("vigil.err").toFile()).start();
        for (int i = 0; i < 100; i++) { // attached
            Thread.sleep(100);
            String err = Files.exists(dir.resolve("vigil.err")) ? Files.readString(dir.resolve("vigil.err")) : "";
            if (err.contains("watching") || i > 40) break;
        }
        Thread.sleep(1000);
        return p;
    }

    static double wrk(int port, int seconds) throws IOException, InterruptedException {
        // in its own cgroup, which the agent's profiles ignore: the client is not the service
        Process w = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + load.resolve("cgroup.procs") + " && exec taskset -c 1 wrk -t1 -c32 -d" + seconds
                + "s http://127.0.0.1:" + port + "/index.html").redirectErrorStream(true).start();
        String out = new String(w.getInputStream().readAllBytes());
        w.waitFor();
        Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        if (!m.find()) throw new IllegalStateException("wrk said: " + out);
        return Double.parseDouble(m.group(1));
    }
}
