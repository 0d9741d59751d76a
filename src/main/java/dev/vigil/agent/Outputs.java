package dev.vigil.agent;

import dev.vigil.alert.AlertOutput;
import dev.vigil.alert.FileOutput;
import dev.vigil.alert.QueuedOutput;
import dev.vigil.alert.StreamOutput;
import dev.vigil.alert.SyslogOutput;
import dev.vigil.alert.WebhookOutput;
import dev.vigil.config.AgentConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Opens the outputs a config names; when one cannot be opened, closes those already open. No output's send blocks. */
public final class Outputs {
    private Outputs() {}

    /** Thrown when an output cannot be opened: names it and why, in one line. */
    public static final class OutputException extends RuntimeException {
        public OutputException(String message) { super(message); }
    }

    public static List<AlertOutput> open(List<AgentConfig.Output> specs) {
        return open(specs, dev.vigil.alert.Host.name());
    }

    /** The outputs, host naming this agent where an output needs it (kafka's record key). */
    public static List<AlertOutput> open(List<AgentConfig.Output> specs, String host) {
        List<AlertOutput> out = new ArrayList<>();
        try {
            for (AgentConfig.Output o : specs) out.add(open(o, host));
            return out;
        } catch (RuntimeException e) {
            out.forEach(AlertOutput::close);
            throw e;
        }
    }

    /**
     * An output that writes where it is (a stream, a file, a spool on disk) behind a bounded queue of its own, so that a
     * destination that blocks never holds the detection thread; syslog (non-blocking sends) and the webhook (its own queue
     * and sender) never block already.
     */
    private static AlertOutput queued(AlertOutput o) { return new QueuedOutput(o, QueuedOutput.DEFAULT_CAPACITY); }

    private static AlertOutput open(AgentConfig.Output o, String host) {
        try {
            return switch (o) {
                case AgentConfig.Stdout s -> queued(StreamOutput.stdout(s.format()));
                case AgentConfig.FileOut f -> queued(new FileOutput(f.path(), f.maxBytes(), f.keep(), f.format()));
                case AgentConfig.Syslog s -> new SyslogOutput(s.address(), s.facility(), s.format());
                case AgentConfig.Webhook w -> new WebhookOutput(w.url(), w.headers(), w.queue(), w.batch(), w.retries(), w.timeout(), w.backoff());
                case AgentConfig.Kafka k -> queued(new dev.vigil.alert.KafkaOutput(k.bootstrap(), k.topic(), host, k.spool().resolve("alerts"), k.spoolBytes(),
                        k.properties()));
            };
        } catch (IOException e) {
            throw new OutputException("output " + o.name() + ": cannot open " + e.getMessage() + " (" + e.getClass().getSimpleName() + ")");
        } catch (IllegalArgumentException e) {
            throw new OutputException("output " + o.name() + ": " + e.getMessage());
        }
    }
}
