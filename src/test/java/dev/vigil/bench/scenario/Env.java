package dev.vigil.bench.scenario;

import dev.vigil.testing.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where a scenario runs: its network namespace, its cgroup folder (one child per service),
 * its temporary folder. {@link #destroy} kills whatever is left in the cgroups and removes
 * the folders and the namespace. Not thread-safe; one per run.
 */
record Env(String netns, Path cgroup, Path dir) {
    void create() throws IOException, InterruptedException {
        exec("ip", "netns", "add", netns);
        exec("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
        Files.createDirectories(cgroup);
        Files.createDirectories(dir); // services running as their own users (postgres, sshd's sessions) read their files here
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A child cgroup of the scenario's, for one service. */
    Path cgroup(String name) throws IOException {
        return Files.createDirectories(cgroup.resolve(name));
    }

    /**
     * Starts a program inside the namespace, in cgroup cg, as user ("-": root): nsenter
     * (which, unlike `ip netns exec`, leaves /sys and so the cgroup tree in view) runs
     * svc_launch, which moves itself into the cgroup, takes the user's ids and execs the
     * program, as systemd does, so the program is the first of its workload.
     */
    Process start(Path cg, String user, Path log, String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns, launcher().toString(), cg.toString(), user));
        c.addAll(List.of(cmd));
        return new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    Process start(Path cg, Path log, String... cmd) throws IOException {
        return start(cg, "-", log, cmd);
    }

    /** A copy of a native helper of the test resources (dev/vigil/native/NAME) in the scenario's folder, executable by all. */
    Path nativeHelper(String name) throws IOException {
        Path bin = dir.resolve(name);
        if (Files.exists(bin)) return bin;
        try (java.io.InputStream in = Env.class.getResourceAsStream("/dev/vigil/native/" + name)) {
            if (in == null) throw new IllegalStateException(name + " is not built (mvn test-compile builds it)");
            Files.copy(in, bin);
        }
        Files.setPosixFilePermissions(bin, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private Path launcher() throws IOException {
        return nativeHelper("svc_launch");
    }

    /** The attacker's listener on 127.0.0.1:port inside the namespace (outside the service's cgroups): takes a line and closes. */
    Process listener(int port) throws IOException {
        return new ProcessBuilder("nsenter", "--net=/run/netns/" + netns, "perl", "-MIO::Socket::INET", "-e",
                "my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1:" + port + "', Listen => 5, ReuseAddr => 1) or die; "
                        + "while (my $c = $s->accept) { my $l = <$c>; close $c }")
                .redirectErrorStream(true).redirectOutput(dir.resolve("listener-" + port + ".log").toFile()).start();
    }

    /** Runs a client command inside the namespace (outside the service's cgroups); its exit code and output. */
    Command.Result client(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns));
        c.addAll(List.of(cmd));
        return Command.run(timeoutSeconds, java.util.Map.of(), c);
    }

    /** Every process now in the scenario's cgroups (its services), by pid. */
    List<Integer> pids() throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (var walk = Files.walk(cgroup)) {
            for (Path p : walk.filter(f -> f.getFileName().toString().equals("cgroup.procs")).toList()) {
                for (String l : Files.readAllLines(p)) if (!l.isBlank()) pids.add(Integer.parseInt(l.strip()));
            }
        }
        return pids;
    }

    /**
     * The main process of each service: in each of the scenario's cgroups, the processes whose parent is outside it
     * (vigil record and monitor follow their descendants, so the short-lived ones need not be named, and may be gone).
     */
    List<Integer> mains() throws IOException {
        List<Integer> mains = new ArrayList<>();
        try (var walk = Files.walk(cgroup)) {
            for (Path p : walk.filter(f -> f.getFileName().toString().equals("cgroup.procs")).toList()) {
                List<Integer> in = Files.readAllLines(p).stream().filter(l -> !l.isBlank()).map(l -> Integer.parseInt(l.strip())).toList();
                for (int pid : in) {
                    try {
                        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                        int ppid = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
                        if (!in.contains(ppid)) mains.add(pid);
                    } catch (IOException gone) {
                        // exited meanwhile
                    }
                }
            }
        }
        return mains;
    }

    /** Kills every process of one service's cgroup and waits until it is empty. */
    void kill(Path cg) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<String> left = Files.readAllLines(cg.resolve("cgroup.procs")).stream().filter(s -> !s.isBlank()).toList();
            if (left.isEmpty()) return;
            for (String pid : left) exec("kill", "-9", pid.strip());
            Thread.sleep(50);
        }
        throw new IOException("processes left in " + cg + " after kill -9");
    }

    void destroy() throws IOException, InterruptedException {
        // anything left in the scenario's cgroups is killed, then the folders and the namespace removed
        try (var walk = Files.walk(cgroup)) {
            for (Path p : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) kill(p);
        } catch (IOException ignored) {
            // gone already
        }
        for (int i = 0; i < 50; i++) {
            try (var walk = Files.walk(cgroup)) { // cgroup folders go with rmdir; their files are the kernel's
                for (Path p : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                break;
            } catch (java.nio.file.NoSuchFileException gone) {
                break;
            } catch (IOException busy) {
                Thread.sleep(100);
            }
        }
        exec("ip", "netns", "delete", netns);
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Whether anything of this environment is left (namespace, cgroups, folder): what teardown must leave is nothing. */
    List<String> leftovers() throws IOException, InterruptedException {
        List<String> left = new ArrayList<>();
        if (Files.exists(Path.of("/run/netns", netns))) left.add("network namespace " + netns);
        if (Files.exists(cgroup)) left.add("cgroup " + cgroup);
        if (Files.exists(dir)) left.add("folder " + dir);
        return left;
    }

    static void exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }
}
