package dev.vigil.agent;

import dev.vigil.alert.AlertOutput;

import dev.vigil.alert.AlertPipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.AlertText;
import dev.vigil.alert.EvilsocketText;
import dev.vigil.alert.ProcessRef;
import dev.vigil.detect.Score;
import dev.vigil.event.KernelEvent;
import dev.vigil.event.ProfileKey;
import dev.vigil.event.SequenceProfile;
import dev.vigil.follow.AutoencoderAlerts;
import dev.vigil.follow.WindowAlerts;
import dev.vigil.host.ProcessContext;
import dev.vigil.host.ProcessDescriber;
import dev.vigil.sequence.Pins;
import dev.vigil.sequence.SequenceAlerts;
import dev.vigil.syscall.SyscallTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the one alert schema: each detector's alert for a fixed input, as JSON and as text,
 * against golden files in src/test/resources/golden (rewrite them with
 * -Dvigil.golden.update=true after a deliberate change, and review the diff), valid against
 * docs/alert.schema.json, and read back to an equal alert.
 */
class AlertGoldenTest {
    static final Instant T = Instant.parse("2026-11-24T06:40:01.250Z");
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    /** A pid above pid_max: /proc has nothing, so everything comes from the exec events below. */
    static final int PID = 90_000_001, PARENT = 90_000_000;
    static final SyscallTable X86 = SyscallTable.of("x86_64");

    static ProcessDescriber describer() {
        ProcessContext ctx = new ProcessContext();
        ctx.accept(new KernelEvent.Exec(new KernelEvent.Who(PARENT, PARENT, PARENT + 10, 33, 1, 0, "python3"), "/usr/bin/python3.11",
                List.of("python3", "/srv/app/webapp.py"), false));
        ctx.accept(new KernelEvent.Exec(new KernelEvent.Who(PID, PID, PARENT, 33, 2, 0, "sh"), "/usr/bin/dash",
                List.of("sh", "-c", "cat /etc/shadow"), false));
        ctx.accept(new KernelEvent.Risky(new KernelEvent.Who(PID, PID, PARENT, 33, 3, 0, "sh"), 105, "setuid", new long[6], "", "uid=0"));
        return new ProcessDescriber(ctx);
    }

    static Alert fixed(Alert a) {
        return new Alert(T, "web-1", a.detector(), a.kind(), a.severity(), a.summary(), a.process(), a.ancestry(), a.evidence(), a.profile(),
                a.dedupKey(), 3);
    }

    static Stream<Arguments> alerts() {
        ProcessDescriber d = describer();
        SequenceAlerts seq = new SequenceAlerts("web-1", X86, d, 12, 200_000);
        ProfileKey key = new ProfileKey(1234, (8 << 20) | 1);
        seq.paths().put(key, "/usr/bin/dash");
        int[] window = {X86.number("getuid").orElseThrow(), X86.number("read").orElseThrow(), X86.number("openat").orElseThrow(), X86.number("close").orElseThrow()};
        Alert anomaly = seq.toAlert(new KernelEvent.Anomaly(PID + 1, PID, "sh", key, X86.number("geteuid").orElseThrow(), window, 3, 7, 5_000_000, 12,
                SequenceProfile.NORMAL, 0)).orElseThrow();
        Alert state = seq.toAlert(new KernelEvent.StateChange(PID, PID, "sh", key, SequenceProfile.NORMAL, SequenceProfile.REASON_TRAINED, 0,
                1_200_000, 0)).orElseThrow();
        ProcessRef p = d.describe(PID, PID, "sh", "");
        Alert ae = new AutoencoderAlerts(X86).toAlert(T, p, d.ancestry(p.ppid()), new Score(0.25, 0.1,
                List.of(new Score.Contribution(X86.number("connect").orElseThrow(), 0.12), new Score.Contribution(X86.number("socket").orElseThrow(), 0.08))), List.of("setuid uid=0"));
        Alert window1 = WindowAlerts.toAlert(T, "stide n=6", p, d.ancestry(p.ppid()), 0.5, 0.1, 801,
                List.of("getppid", "geteuid"), List.of("getpid", "getuid"));
        java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();
        Coverage cov = new Coverage("web-1").watch("workload_ring", "first sights lost by the workload probe (its ring buffer was full)",
                "programs run, files opened, endpoints and high-risk calls of any workload may have gone unseen", lost::get);
        lost.set(18_508);
        Alert coverage = cov.check(T).getFirst();
        List<Alert> sent = new java.util.ArrayList<>();
        AlertPipeline p2 = new AlertPipeline(new AlertPipeline.Limits(java.time.Duration.ZERO, 60, 1, 100), List.of(new AlertOutput() {
            public String name() { return "golden"; }
            public void send(Alert a) { sent.add(a); }
            public java.util.Map<String, Long> counts() { return java.util.Map.of(); }
            public void close() { }
        }), () -> 0);
        p2.publish(anomaly);
        p2.publish(seq.toAlert(new KernelEvent.Anomaly(PID + 1, PID, "sh", key, X86.number("getegid").orElseThrow(), window, 3, 8, 5_000_001, 13,
                SequenceProfile.NORMAL, 0)).orElseThrow());
        Alert flood = sent.stream().filter(a -> a.kind().equals("flood")).findFirst().orElseThrow();
        return Stream.of(Arguments.of("sequence-anomaly", fixed(anomaly)), Arguments.of("sequence-state", fixed(state)),
                Arguments.of("autoencoder", fixed(ae)), Arguments.of("monitor", fixed(window1)), Arguments.of("coverage", fixed(coverage)),
                Arguments.of("flood", fixed(flood)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alerts")
    void jsonAndTextMatchTheGoldenFilesAndTheSchema(String name, Alert a) throws IOException {
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(AlertJson.node(a)) + "\n";
        String text = AlertText.line(a) + "\n";
        Path gj = GOLDEN.resolve(name + ".json"), gt = GOLDEN.resolve(name + ".txt");
        if (Boolean.getBoolean("vigil.golden.update")) {
            Files.writeString(gj, json);
            Files.writeString(gt, text);
        }
        assertThat(json).isEqualTo(Files.readString(gj));
        assertThat(text).isEqualTo(Files.readString(gt));

        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Path.of("docs/alert.schema.json")));
        JsonNode node = new ObjectMapper().readTree(AlertJson.line(a));
        Set<ValidationMessage> errors = schema.validate(node);
        assertThat(errors).isEmpty();

        Alert back = AlertJson.parse(AlertJson.line(a));
        assertThat(AlertJson.line(back)).isEqualTo(AlertJson.line(a));
        assertThat(back.process()).isEqualTo(a.process());
        assertThat(back.ancestry()).isEqualTo(a.ancestry());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alerts")
    void theSchemaRejectsWhatIsNotAnAlert(String name, Alert a) throws IOException {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Path.of("docs/alert.schema.json")));
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) AlertJson.node(a);
        node.put("severity", "urgent");
        node.remove("summary");
        assertThat(schema.validate(node)).hasSize(2);
    }

    @org.junit.jupiter.api.Test
    void runKeepsEvilsocketsTextLines() {
        ProcessDescriber d = describer();
        Alert ae = new AutoencoderAlerts(X86).toAlert(T, d.describe(PID, PID, "sh", ""), List.of(), new Score(0.25, 0.1,
                List.of(new Score.Contribution(X86.number("connect").orElseThrow(), 0.12))), List.of("setuid uid=0"));
        assertThat(EvilsocketText.render(ae)).isEqualTo("error = 0.250000 - max = 0.100000 - top 1:" + System.lineSeparator()
                + "  connect = 0.120000" + System.lineSeparator() + "  risky call before it: setuid uid=0");
    }
}
