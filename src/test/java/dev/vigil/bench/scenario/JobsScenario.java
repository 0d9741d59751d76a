package dev.vigil.bench.scenario;

import dev.vigil.syscall.SyscallTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host-level privilege moves: a batch job runner (a shell loop, run as nobody, in a cgroup of
 * its own) that runs each job dropped into its spool folder, as a CI worker or a cron-style
 * queue does, with a setuid-root copy of find installed for its indexing jobs (the
 * misconfiguration). Normal jobs: compress, checksum, sort and report, perl filters, awk
 * sums, the setuid find, archives, of varying parameters. Periodic job: the runner's log
 * rotated by a job. Restart: the runner killed and started. Attack, as jobs: the setuid
 * helper abused to become root and read /etc/shadow, ptrace attached to the runner, a
 * kernel-module load attempt, a bpf() program load attempt.
 */
final class JobsScenario implements Scenario {
    private Process runner;
    private Env env;
    private final AtomicLong seq = new AtomicLong();

    public String name() { return "jobs"; }

    public String description() {
        return "a batch job runner as nobody with a setuid-root helper: setuid abuse, ptrace, module load and bpf() attempts";
    }

    public String unavailable() {
        for (String p : List.of("/usr/bin/find", "/usr/bin/perl", "/usr/bin/gzip", "/usr/bin/awk"))
            if (!Files.isExecutable(Path.of(p))) return p + " is not installed";
        return null;
    }

    private Path spool() { return env.dir().resolve("spool"); }

    private Path work() { return env.dir().resolve("work"); }

    public void setUp(Env env) throws Exception {
        this.env = env;
        Files.createDirectories(spool());
        Files.createDirectories(work());
        Path bin = Files.createDirectories(env.dir().resolve("bin"));
        Files.copy(Path.of("/usr/bin/find"), bin.resolve("index-find"), StandardCopyOption.REPLACE_EXISTING);
        Env.exec("chmod", "4755", bin.resolve("index-find").toString());
        StringBuilder csv = new StringBuilder();
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) csv.append(i).append(',').append((char) ('A' + r.nextInt(6))).append(',').append(r.nextInt(1000)).append('\n');
        Files.writeString(work().resolve("data.csv"), csv);
        Files.writeString(env.dir().resolve("runner.sh"), """
                # a batch job runner: runs each job dropped into the spool, in order, then removes it
                cd %s
                while :; do
                  for j in %s/*.job; do
                    [ -e "$j" ] || continue
                    sh "$j" >> jobs.log 2>&1
                    rm -f "$j"
                  done
                  sleep 0.2
                done
                """.formatted(work(), spool()));
        Env.exec("chown", "-R", "nobody:nogroup", spool().toString(), work().toString());
        start();
    }

    private void start() throws Exception {
        runner = env.start(env.cgroup("runner"), "nobody", env.dir().resolve("runner.out"), "/bin/sh", env.dir().resolve("runner.sh").toString());
        Thread.sleep(300);
        if (!runner.isAlive()) throw new IllegalStateException("the job runner did not start: " + Files.readString(env.dir().resolve("runner.out")));
    }

    /** Drops a job into the spool (written aside, then renamed in, so the runner never sees half a job). */
    private Path submit(String job) throws IOException {
        long n = seq.incrementAndGet();
        Path tmp = env.dir().resolve("job-" + n + ".tmp");
        Files.writeString(tmp, job + "\n");
        Path f = spool().resolve(String.format("%012d.job", n));
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    /** Submits a job and waits until the runner has run it (it removes the file): a client of the queue waits for its job. */
    private void run(String job) throws IOException {
        Path f = submit(job);
        long end = System.nanoTime() + 30_000_000_000L;
        while (Files.exists(f)) {
            if (System.nanoTime() > end) throw new IOException("job " + f.getFileName() + " not run within 30 s");
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    public Request normal(Random rnd) {
        String letter = String.valueOf((char) ('A' + rnd.nextInt(6)));
        String job = switch (rnd.nextInt(8)) {
            case 0 -> "gzip -c data.csv > data.csv.gz";
            case 1 -> "sha256sum data.csv > data.sum";
            case 2 -> "sort -t, -k" + (2 + rnd.nextInt(2)) + " data.csv | uniq -c | head -n " + (1 + rnd.nextInt(50)) + " > report.txt";
            case 3 -> "perl -ne 'print if /," + letter + ",/' data.csv | wc -l > count-" + letter;
            case 4 -> env.dir().resolve("bin/index-find") + " . -name '*." + (rnd.nextBoolean() ? "csv" : "gz") + "' -newer data.sum > index.txt";
            case 5 -> "tar cf archive.tar data.csv report.txt 2>/dev/null; rm -f archive.tar";
            case 6 -> "awk -F, '$2 == \"" + letter + "\" {s += $3} END {print s}' data.csv > sum-" + letter;
            default -> "date -u +%s > last-run";
        };
        return new Request.Call(() -> run(job));
    }

    public void periodic(Env env, int n) throws Exception {
        submit("mv jobs.log jobs.log.1 2>/dev/null; gzip -f jobs.log.1");
    }

    public void restart(Env env) throws Exception {
        env.kill(env.cgroup("runner"));
        runner.waitFor(10, TimeUnit.SECONDS);
        start();
    }

    private Step job(String name, String job) {
        return new Step(name, env -> submit(job));
    }

    public List<Step> attack() {
        SyscallTable t = SyscallTable.host();
        int ptrace = t.number("ptrace").orElse(-1), finit = t.number("finit_module").orElse(-1), bpf = t.number("bpf").orElse(-1);
        return List.of(
                job("a setuid helper abused: find -exec perl becomes root and reads /etc/shadow", env.dir().resolve("bin/index-find")
                        + " . -maxdepth 0 -exec perl -e '$< = 0; open(F, \"/etc/shadow\") and print scalar <F>' \\;"),
                job("ptrace injection: PTRACE_ATTACH to the job runner", "perl -e '$p = getppid(); syscall(" + ptrace + ", 16, $p, 0, 0); "
                        + "select(undef, undef, undef, 0.1); syscall(" + ptrace + ", 17, $p, 0, 0)'"),
                job("a kernel-module load attempt: finit_module", "perl -e 'open(F, \"</dev/null\"); $p = \"\"; syscall(" + finit + ", fileno(F), $p, 0)'"),
                job("bpf() by an unexpected program: BPF_PROG_LOAD", "perl -e '$a = \"\\0\" x 128; syscall(" + bpf + ", 5, $a, 128)'"));
    }

    public void tearDown(Env env) throws IOException, InterruptedException {
        env.kill(env.cgroup("runner"));
        if (runner != null) runner.waitFor(10, TimeUnit.SECONDS);
    }
}
