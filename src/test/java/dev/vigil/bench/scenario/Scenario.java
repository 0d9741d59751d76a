package dev.vigil.bench.scenario;

import java.io.IOException;
import java.util.List;
import java.util.Random;

/**
 * One scenario of the benchmark: a real service, its normal requests, its periodic job, its
 * restart, its attack steps. Implementations are stateful for one run (they hold the
 * service's processes); every method runs on the bench's threads, requests from the
 * traffic threads.
 */
interface Scenario {
    List<String> NAMES = List.of("webapp", "redis", "postgres", "ssh", "jobs", "container");

    static Scenario of(String name) {
        return switch (name) {
            case "webapp" -> new WebappScenario();
            case "redis" -> new RedisScenario();
            case "postgres" -> new PostgresScenario();
            case "ssh" -> new SshScenario();
            case "jobs" -> new JobsScenario();
            case "container" -> new ContainerScenario();
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }

    String name();

    String description();

    /** Why it cannot run on this machine, in one line, or null. */
    String unavailable();

    /** Starts the service in env (its namespace, its cgroups); returns when it answers. */
    void setUp(Env env) throws Exception;

    /** One normal request, chosen with rnd (each traffic thread has its own). */
    Request normal(Random rnd);

    /** A request: raw bytes over a new TCP connection to a port inside the namespace, or a client program run there. */
    sealed interface Request {
        /** The text is sent and the reply read until the server closes (HTTP/1.0, redis after QUIT). */
        record Raw(int port, String text) implements Request {}

        /** A client program (psql, ssh, redis-cli) run inside the namespace; it must exit 0. */
        record Run(List<String> command) implements Request {}

        /** Something the bench does itself (drops a job file into a spool). */
        record Call(Local local) implements Request {}
    }

    interface Local {
        void run() throws IOException;
    }

    /** The service's periodic job (log rotation, a save, a vacuum, a cron task), the n-th time. */
    void periodic(Env env, int n) throws Exception;

    /** Stops and starts the service again, as an operator or a package upgrade would. */
    void restart(Env env) throws Exception;

    /** An attack step: its name, and what it does (it returns when the step has been sent). */
    record Step(String name, Action action) {}

    interface Action {
        void run(Env env) throws Exception;
    }

    List<Step> attack();

    /** What an operator does by hand in the normal period (an exec session into a container): whether there is such a thing (none by default). */
    default boolean operator(Env env) throws Exception { return false; }

    /** The workload scope all of the service's profiles should share (a container image's), or null when not one. */
    default String profileScope() { return null; }

    void tearDown(Env env) throws IOException, InterruptedException;
}
