package dev.vigil.cli;

import dev.vigil.alert.Metrics;
import java.io.IOException;
import picocli.CommandLine.Option;

/** --metrics [HOST:]PORT for the long-running commands. */
final class MetricsOption {
    @Option(names = "--metrics", paramLabel = "[HOST:]PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1; PORT 0 picks a free one).")
    String address;

    /** Checks the address (a usage error when it is not [HOST:]PORT); call before doing anything slow. */
    void check() {
        if (address != null) parse();
    }

    private record Address(String host, int port) {}

    private Address parse() {
        int colon = address.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : address.substring(0, colon);
        if (host.isEmpty()) host = "127.0.0.1";
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(colon < 0 ? address : address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UserError(ExitCodes.USAGE, "--metrics " + address + ": expected [HOST:]PORT");
        }
        if (port < 0 || port > 65535) throw new UserError(ExitCodes.USAGE, "--metrics " + address + ": port out of range");
        return new Address(host, port);
    }

    /** The command's metrics: served when --metrics is given (the address is printed on stderr), else none. */
    Metrics open(String command) {
        if (address == null) return Metrics.none();
        Address a = parse();
        try {
            Metrics m = Metrics.serve(a.host(), a.port(), command, Main.VERSION);
            System.err.printf("vigil: Prometheus metrics at http://%s:%d/metrics%n", a.host().contains(":") ? "[" + a.host() + "]" : a.host(), m.port());
            return m;
        } catch (IOException | RuntimeException e) {
            throw new UserError(ExitCodes.USAGE, "--metrics " + address + ": cannot serve there (" + e.getMessage() + ")");
        }
    }
}
