package dev.vigil.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** --bootstrap and --property for the commands that talk to Kafka (vigil fleet and its subcommands). */
final class KafkaClientOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,...]", description = "Kafka brokers, HOST:PORT[,HOST:PORT...].")
    String bootstrap;

    @Option(names = "--property", paramLabel = "KEY=VALUE", description = "A Kafka client setting (repeatable): TLS, SASL.")
    Map<String, String> properties = new LinkedHashMap<>();

    /** The brokers; a usage error naming the command when --bootstrap is missing. */
    String bootstrap(String command) {
        if (bootstrap == null) throw new UserError(ExitCodes.USAGE, command + " needs --bootstrap HOST:PORT");
        return bootstrap;
    }
}
