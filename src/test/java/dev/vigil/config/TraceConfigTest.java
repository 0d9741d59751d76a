package dev.vigil.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.SensorSettings;
import dev.vigil.host.Cgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TraceConfigTest {
    static final String FULL = """
            # every collector, with settings
            collectors:
              exec: {}
              unlink:
              risky: {enabled: true}
              net:
                interface: eth0
                period: 500ms
              resource: {period: 3s, top: 5}
              syscalls: {pid: 42, period: 1.5}
            filters:
              pid: [10, 20]
              uid: 0
              comm: [nginx, sh]
              cgroup: [4242]
            """;

    @Test
    void readsEveryCollectorWithItsSettingsAndTheFilters() {
        TraceConfig c = TraceConfig.parse("vigil.yaml", FULL);
        assertThat(c.collectors().keySet()).containsExactly("exec", "unlink", "risky", "net", "resource", "syscalls");
        assertThat(c.lines()).containsEntry("exec", 3).containsEntry("net", 6).containsEntry("syscalls", 10);
        SensorSettings net = c.collectors().get("net");
        assertThat(net.iface()).isEqualTo("eth0");
        assertThat(net.period()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.collectors().get("resource").top()).isEqualTo(5);
        assertThat(c.collectors().get("resource").period()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.collectors().get("syscalls").pid()).isEqualTo(42L);
        assertThat(c.collectors().get("syscalls").period()).isEqualTo(Duration.ofMillis(1500));
        for (SensorSettings s : c.collectors().values()) {
            assertThat(s.pids()).containsExactlyInAnyOrder(10, 20);
            assertThat(s.uids()).containsExactly(0);
            assertThat(s.comms()).containsExactlyInAnyOrder("nginx", "sh");
            assertThat(s.cgroups()).containsExactly(4242L);
        }
        assertThat(c.collectors().get("exec").passes(10, 0, "sh")).isTrue();
        assertThat(c.collectors().get("exec").passes(11, 0, "sh")).isFalse();
    }

    @Test
    void acceptsAListOfNamesAndDisabledCollectors() {
        TraceConfig c = TraceConfig.parse("v.yaml", "collectors: [exec, risky]\n");
        assertThat(c.collectors().keySet()).containsExactly("exec", "risky");
        assertThat(c.collectors().get("exec")).isEqualTo(SensorSettings.defaults());
        TraceConfig d = TraceConfig.parse("v.yaml", "collectors:\n  exec: {enabled: false}\n  unlink: {}\n");
        assertThat(d.collectors().keySet()).containsExactly("unlink");
    }

    @Test
    void cgroupByPathIsItsInode(@TempDir Path dir) throws Exception {
        long root = (Long) Files.getAttribute(Path.of("/sys/fs/cgroup"), "unix:ino");
        TraceConfig c = TraceConfig.parse("v.yaml", "collectors: [exec]\nfilters:\n  cgroup: [/sys/fs/cgroup]\n");
        assertThat(c.collectors().get("exec").cgroups()).isEqualTo(Set.of(root));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty file                 | '# nothing\n'                                              | v.yaml:1: empty; expected a mapping with 'collectors'
            not a mapping              | '- exec\n'                                                 | v.yaml:1: expected a mapping with 'collectors'
            malformed YAML             | 'collectors: [exec\nfilters: {}\n'                         | v.yaml:2: malformed YAML: while parsing a flow sequence
            unknown top-level key      | 'collectors: [exec]\ncolectors: [net]\n'                   | v.yaml:2: colectors: unknown key (collectors, filters, probes)
            duplicate key              | 'collectors: [exec]\ncollectors: [net]\n'                  | v.yaml:2: collectors: duplicate key
            no collectors key          | 'filters: {pid: [1]}\n'                                    | v.yaml:1: collectors: missing: name at least one of
            no collector selected      | 'collectors: []\n'                                         | v.yaml:1: collectors: none selected
            all disabled               | 'collectors:\n  exec: {enabled: false}\n'                  | v.yaml:2: collectors: none selected
            unknown collector in list  | 'collectors: [exec, netz]\n'                               | v.yaml:1: collectors[1]: unknown collector 'netz'
            unknown collector in map   | 'collectors:\n  exec: {}\n  fork: {}\n'                    | v.yaml:3: collectors.fork: unknown collector 'fork'
            collector named twice      | 'collectors: [exec, exec]\n'                               | v.yaml:1: collectors[1]: exec named twice
            list item not a name       | 'collectors:\n  - {exec: 1}\n'                             | v.yaml:2: collectors[0]: expected a collector name
            collectors a scalar        | 'collectors: exec\n'                                       | v.yaml:1: collectors: expected a mapping or a list
            settings not a mapping     | 'collectors:\n  net: eth0\n'                               | v.yaml:2: collectors.net: expected a mapping of settings
            unknown collector key      | 'collectors:\n  net:\n    iface: eth0\n'                   | v.yaml:3: collectors.net.iface: unknown key (enabled, interface, period)
            key of another collector   | 'collectors:\n  exec: {top: 3}\n'                          | v.yaml:2: collectors.exec.top: unknown key (enabled)
            enabled not a boolean      | 'collectors:\n  exec: {enabled: yes please}\n'             | v.yaml:2: collectors.exec.enabled: expected true or false
            net without interface      | 'collectors:\n  net: {period: 2s}\n'                       | v.yaml:2: collectors.net: needs 'interface'
            bad interface name         | 'collectors:\n  net: {interface: a/b}\n'                   | v.yaml:2: collectors.net.interface: 'a/b' is not an interface name
            period not a duration      | 'collectors:\n  resource:\n    period: 5x\n'              | v.yaml:3: collectors.resource.period: '5x' is not a duration
            period too short           | 'collectors:\n  resource: {period: 1ms}\n'                 | v.yaml:2: collectors.resource.period: '1ms' is out of range
            period a list              | 'collectors:\n  resource: {period: [1s]}\n'                | v.yaml:2: collectors.resource.period: expected a single value
            top not a number           | 'collectors:\n  resource: {top: many}\n'                   | v.yaml:2: collectors.resource.top: 'many' is not a count from 1 to 10000
            top zero                   | 'collectors:\n  resource: {top: 0}\n'                      | v.yaml:2: collectors.resource.top: '0' is not a count
            syscalls pid negative      | 'collectors:\n  syscalls: {pid: -4}\n'                     | v.yaml:2: collectors.syscalls.pid: '-4' is not a process id
            filters not a mapping      | 'collectors: [exec]\nfilters: [1]\n'                       | v.yaml:2: filters: expected a mapping (pid, uid, comm, cgroup)
            unknown filter             | 'collectors: [exec]\nfilters:\n  user: [0]\n'              | v.yaml:3: filters.user: unknown filter (pid, uid, comm, cgroup)
            pid filter not a number    | 'collectors: [exec]\nfilters:\n  pid: [1, abc]\n'          | v.yaml:3: filters.pid[1]: 'abc' is not a process id
            uid filter negative        | 'collectors: [exec]\nfilters:\n  uid: -1\n'                | v.yaml:3: filters.uid: '-1' is not a user id
            comm filter too long       | 'collectors: [exec]\nfilters:\n  comm: [abcdefghijklmnopq]\n' | v.yaml:3: filters.comm[0]: 'abcdefghijklmnopq' is not a command name
            cgroup filter missing      | 'collectors: [exec]\nfilters:\n  cgroup: [no/such/group]\n' | v.yaml:3: filters.cgroup[0]: no cgroup CGROUP2/no/such/group
            """)
    void eachErrorNamesTheLineAndTheKey(String what, String yaml, String message) {
        assertThatThrownBy(() -> TraceConfig.parse("v.yaml", yaml.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message.strip().replace("CGROUP2", Cgroups.root().toString()));
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> TraceConfig.load(dir.resolve("nope.yaml"))).isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("nope.yaml") + ": no such file");
    }
}
