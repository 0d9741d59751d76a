package dev.vigil.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.alert.AlertOutput;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentConfigTest {
    static final String FULL = """
            host: web-1
            state_dir: /srv/vigil-state
            detectors:
              sequence:
                enabled: true
                exe: [/usr/sbin/nginx, /usr/bin/python3.11]
                window: 6
                min_calls: 5000
                stable_calls: 1000
                tolerize_limit: 20
                save_every: 30s
                burst: 5s
                alert_frame: 3
            collectors: [exec]
            filters:
              uid: [33]
            alerts: {cooldown: 10m, rate_limit: 100, burst: 5, max_keys: 500}
            outputs:
              stdout: {format: json}
              file: {path: /var/log/v/alerts.json, max_size: 10MB, keep: 3}
              syslog: {address: "udp:127.0.0.1:514", facility: local0}
              webhook:
                url: https://alerts.example/hook
                headers: {Authorization: Bearer abc}
                queue: 200
                batch: 20
                retries: 2
                timeout: 2s
                backoff: 250ms
              kafka:
                bootstrap: "kafka-1:9093,kafka-2:9093"
                spool_size: 5MB
                fleet_public_key: /etc/vigil/fleet/fleet.pub
                properties: {security.protocol: SSL, ssl.truststore.location: /etc/vigil/ca.jks}
            metrics: 127.0.0.1:9464
            """;

    @Test
    void aFullFileParsesToEverySetting() {
        AgentConfig c = AgentConfig.parse("vigil.yaml", FULL);
        assertThat(c.host()).isEqualTo("web-1");
        assertThat(c.stateDir()).isEqualTo(Path.of("/srv/vigil-state"));
        assertThat(c.sequence()).isEqualTo(new AgentConfig.Sequence(true, List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/python3.11")), 6, 5000,
                1000, 20, 4096, 65536, Duration.ofSeconds(30), "/sys/fs/bpf/vigil", Duration.ofSeconds(5), 3));
        assertThat(c.contextCollectors()).containsExactly("exec");
        assertThat(c.filters().uids()).containsExactly(33);
        assertThat(c.limits().cooldown()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.limits().perMinute()).isEqualTo(100);
        assertThat(c.outputs()).containsExactly(new AgentConfig.Stdout(AlertOutput.Format.JSON),
                new AgentConfig.FileOut(Path.of("/var/log/v/alerts.json"), 10L << 20, 3, AlertOutput.Format.JSON),
                new AgentConfig.Syslog("udp:127.0.0.1:514", "local0", AlertOutput.Format.TEXT),
                new AgentConfig.Webhook(URI.create("https://alerts.example/hook"), Map.of("Authorization", "Bearer abc"), 200, 20, 2,
                        Duration.ofSeconds(2), Duration.ofMillis(250)),
                new AgentConfig.Kafka("kafka-1:9093,kafka-2:9093", "vigil.alerts", Path.of("/srv/vigil-state/kafka-spool"), 5L << 20,
                        Map.of("security.protocol", "SSL", "ssl.truststore.location", "/etc/vigil/ca.jks"), "vigil.profile-events",
                        Path.of("/etc/vigil/fleet/fleet.pub"), "vigil.profiles"));
        assertThat(c.metrics()).isEqualTo("127.0.0.1:9464");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void printedConfigParsesBackToTheSameConfig() {
        for (AgentConfig c : List.of(AgentConfig.defaults(), AgentConfig.parse("vigil.yaml", FULL))) {
            AgentConfig back = AgentConfig.parse("printed", c.toYaml());
            assertThat(back.toYaml()).isEqualTo(c.toYaml());
            assertThat(back.sequence()).isEqualTo(c.sequence());
            assertThat(back.outputs()).isEqualTo(c.outputs());
            assertThat(back.limits()).isEqualTo(c.limits());
            assertThat(back.filters()).isEqualTo(c.filters());
            assertThat(back.contextCollectors()).isEqualTo(c.contextCollectors());
        }
    }

    @Test
    void domainsNameTheResolverLibrariesByDefaultGlibcAndCanBeTurnedOff() {
        assertThat(AgentConfig.defaults().profiles().domains()).containsExactly("libc.so.6");
        assertThat(AgentConfig.parse("v", "detectors: {profiles: {domains: []}}\noutputs: {stdout: {}}").profiles().domains()).isEmpty();
        assertThat(AgentConfig.parse("v", "detectors: {profiles: {domains: false}}\noutputs: {stdout: {}}").profiles().domains()).isEmpty();
        AgentConfig c = AgentConfig.parse("v", "detectors: {profiles: {domains: [libc.so.6]}}\noutputs: {stdout: {}}");
        assertThat(AgentConfig.parse("printed", c.toYaml()).profiles().domains()).containsExactly("libc.so.6");
        AgentConfig off = AgentConfig.parse("v", "detectors: {profiles: {domains: []}}\noutputs: {stdout: {}}");
        assertThat(AgentConfig.parse("printed", off.toYaml()).profiles().domains()).isEmpty();
        assertThatThrownBy(() -> AgentConfig.parse("v", "detectors: {profiles: {domains: [libnothere.so.9]}}\noutputs: {stdout: {}}"))
                .isInstanceOf(ConfigException.class).hasMessage("v:1: detectors.profiles.domains: no such library libnothere.so.9");
        assertThatThrownBy(() -> AgentConfig.parse("v", "detectors: {profiles: {domains: [libm.so.6]}}\noutputs: {stdout: {}}"))
                .isInstanceOf(ConfigException.class).hasMessage("v:1: detectors.profiles.domains: libm.so.6 has no getaddrinfo function");
    }

    @Test
    void everySystemCallIsSeenByDefaultAndCanBeTurnedOffForTheJudgedCallsOnly() {
        assertThat(AgentConfig.defaults().profiles().syscalls()).isTrue();
        AgentConfig off = AgentConfig.parse("v", "detectors: {profiles: {syscalls: false}}\noutputs: {stdout: {}}");
        assertThat(off.profiles().syscalls()).isFalse();
        assertThat(AgentConfig.parse("printed", off.toYaml()).profiles().syscalls()).as("printed and read back").isFalse();
        assertThat(AgentConfig.parse("printed", AgentConfig.defaults().toYaml()).profiles().syscalls()).isTrue();
        assertThatThrownBy(() -> AgentConfig.parse("v", "detectors: {profiles: {syscalls: some}}\noutputs: {stdout: {}}"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("v:1: detectors.profiles.syscalls: ");
    }

    @Test
    void todaysTraceConfigIsAcceptedWithAWarningForTraceOnlyCollectors() {
        AgentConfig c = AgentConfig.parse("vigil.yaml", """
                collectors:
                  exec: {}
                  risky: {}
                  net: {interface: eth0}
                  resource: {period: 2s}
                filters:
                  comm: [nginx]
                """);
        assertThat(c.contextCollectors()).containsExactly("exec", "risky");
        assertThat(c.filters().comms()).containsExactly("nginx");
        assertThat(c.warnings()).containsExactly("vigil.yaml: collectors net, resource are for vigil trace; the agent runs exec and risky for alert context and ignores them");
        assertThat(c.outputs()).isEqualTo(AgentConfig.defaults().outputs());
    }

    @Test
    void theSequenceDetectorIsOffByDefaultAndSaysSoWhenConfiguredWithoutEnabled() {
        assertThat(AgentConfig.defaults().sequence().enabled()).isFalse();
        assertThat(AgentConfig.defaults().sequence().alertFrame()).isEqualTo(6);
        AgentConfig c = AgentConfig.parse("v.yaml", "detectors: {sequence: {window: 6}}\n");
        assertThat(c.sequence().enabled()).isFalse();
        assertThat(c.warnings()).contains("v.yaml: detectors.sequence is off by default; its settings are unused until it says enabled: true");
        AgentConfig on = AgentConfig.parse("v.yaml", "detectors: {sequence: {enabled: true, alert_frame: 1}}\n");
        assertThat(on.sequence().enabled()).isTrue();
        assertThat(on.sequence().alertFrame()).isEqualTo(1);
        assertThat(on.warnings()).isEmpty();
    }

    @Test
    void zeroCooldownAndNoRateLimit() {
        AgentConfig c = AgentConfig.parse("v", "alerts: {cooldown: 0, rate_limit: 0}\n");
        assertThat(c.limits().cooldown()).isZero();
        assertThat(c.limits().perMinute()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            outputz: {}                                                       | v:1: outputz: unknown key (host, state_dir, detectors, collectors, filters, alerts, outputs, metrics, probes)
            '- a'                                                             | v:1: expected a mapping with 'outputs'
            'detectors: {pH: {}}'                                             | v:1: detectors.pH: unknown detector (sequence, profiles)
            'detectors: {sequence: {window: 12}}'                             | v:1: detectors.sequence.window: '12' is not a whole number from 2 to 9
            'detectors: {sequence: {min_calls: lots}}'                        | v:1: detectors.sequence.min_calls: 'lots' is not a whole number >= 1
            'detectors: {sequence: {save_every: 5x}}'                         | v:1: detectors.sequence.save_every: '5x' is not a duration (e.g. 500ms, 2s, 1m)
            'detectors: {sequence: {enabled: maybe}}'                         | v:1: detectors.sequence.enabled: expected true or false, got 'maybe'
            'detectors: {sequence: {alert_frame: 0}}'                         | v:1: detectors.sequence.alert_frame: '0' is not a whole number from 1 to 128
            'detectors: {sequence: {colour: red}}'                            | v:1: detectors.sequence.colour: unknown key (enabled, exe, window, min_calls, stable_calls, tolerize_limit, max_profiles, max_pair_entries, save_every, pin_dir, burst, alert_frame)
            'state_dir: relative/dir'                                         | v:1: state_dir: must be an absolute path
            'alerts: {rate_limit: 10, burst: 0}'                              | v:1: alerts.burst: '0' is not a whole number from 1 to 1000000
            'alerts: {cooldown: forever}'                                     | v:1: alerts.cooldown: 'forever' is not a duration (e.g. 500ms, 2s, 1m)
            'outputs: {}'                                                     | v:1: outputs: none given; name at least one of stdout, file, syslog, webhook, kafka
            'outputs:'                                                        | v:1: outputs: none given; name at least one of stdout, file, syslog, webhook, kafka
            'outputs: {kafkaa: {}}'                                           | v:1: outputs.kafkaa: unknown output (stdout, file, syslog, webhook, kafka)
            'outputs: {kafka: {}}'                                            | v:1: outputs.kafka: needs 'bootstrap' (HOST:PORT[,HOST:PORT...])
            'outputs: {kafka: {bootstrap: "k1:9092,k2"}}'                     | v:1: outputs.kafka.bootstrap: 'k2' is not HOST:PORT
            'outputs: {file: {}}'                                             | v:1: outputs.file: needs 'path' (e.g. /var/log/vigil/alerts.json)
            'outputs: {file: {path: /x, max_size: 1PB}}'                      | v:1: outputs.file.max_size: '1PB' is not a size (e.g. 100MB, 512KiB, 1GB)
            'outputs: {file: {path: /x, max_size: 10}}'                       | v:1: outputs.file.max_size: '10' is out of range (1KiB to 1TiB)
            'outputs: {stdout: {format: xml}}'                                | v:1: outputs.stdout.format: 'xml' is not text or json
            'outputs: {syslog: {address: tcp:1.2.3.4:514}}'                   | v:1: outputs.syslog.address: 'tcp:1.2.3.4:514' must be unix:PATH or udp:HOST:PORT
            'outputs: {webhook: {url: ftp://x/y}}'                            | v:1: outputs.webhook.url: 'ftp://x/y' is not an http:// or https:// URL
            'outputs: {webhook: {}}'                                          | v:1: outputs.webhook: needs 'url' (http:// or https://)
            'outputs: {webhook: {url: http://h/, retries: -1}}'               | v:1: outputs.webhook.retries: '-1' is not a whole number from 0 to 100
            'metrics: localhost'                                              | v:1: metrics: 'localhost' is not [HOST:]PORT
            'collectors: [exec, bogus]'                                       | v:1: collectors[1]: unknown collector 'bogus' (exec, unlink, risky, net, resource, syscalls, workload, probes)
            'filters: {uid: [root]}'                                          | v:1: filters.uid[0]: 'root' is not a user id
            """)
    void errorsNameTheFileTheLineAndTheKey(String yaml, String message) {
        assertThatThrownBy(() -> AgentConfig.parse("v", yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void errorsOnLaterLinesNameThatLine() {
        assertThatThrownBy(() -> AgentConfig.parse("/etc/vigil/vigil.yaml", "host: a\noutputs:\n  file:\n    path: /x\n    keep: many\n"))
                .hasMessage("/etc/vigil/vigil.yaml:5: outputs.file.keep: 'many' is not a whole number from 0 to 1000");
    }
}
