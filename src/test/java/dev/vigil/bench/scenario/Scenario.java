package dev.vigil.bench.scenario;

import dev.vigil.alert.Alert;
import java.io.IOException;
import java.util.List;
import java.util.Random;

/**
 * One scenario of the benchmark: a real service, its normal requests, its attack steps.
 * Implementations are stateful for one run.
 */
interface Scenario {
    List<String> NAMES = List.of("webapp");

    static Scenario of(String name) {
        return switch (name) {
            case "webapp" -> new WebappScenario();
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }

    String name();

    String description();

    /** Why it cannot run on this machine, in one line, or null. */
    String unavailable();

    /** Starts the service in env (its namespace, cgroups). */
    void setUp(ScenarioBench.Env env) throws Exception;

    /** One normal request: a port inside the namespace and the raw HTTP request to send, chosen with rnd. */
    Request normal(Random rnd);

    record Request(int port, String text) {}

    /** An attack step: its name, and what it does (it returns when the step has been sent). */
    record Step(String name, Action action) {}

    interface Action {
        void run(ScenarioBench.Env env) throws Exception;
    }

    List<Step> attack();

    /** Whether an alert is about this scenario's service (its workloads). */
    boolean owns(ScenarioBench.Env env, Alert a);

    void tearDown(ScenarioBench.Env env) throws IOException, InterruptedException;
}
