package dev.vigil.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.ProbeSpec;
import dev.vigil.host.Elf;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The probes: list resolved against this host's libc and python3.11 (no privileges needed). */
class ProbesConfigTest {
    static final String LIBC = "libc.so.6";

    static ProbeSpec one(String probe) {
        return TraceConfig.parse("p.yaml", "probes:\n" + probe).probes().getFirst();
    }

    static void bad(String probe, String message) {
        assertThatThrownBy(() -> TraceConfig.parse("p.yaml", "probes:\n" + probe)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void aUprobeResolvesItsLibraryAndTheSymbolsFileOffset() throws Exception {
        ProbeSpec p = one("  - {name: gai, uprobe: 'libc.so.6:getaddrinfo', args: [{index: 0, type: string, name: node}], filters: {comm: [curl]}}\n");
        Path libc = ProbesConfig.find(LIBC).toRealPath();
        assertThat(p.entry().binary()).isEqualTo(libc.toString());
        assertThat(p.entry().offset()).isEqualTo(Elf.read(libc).function("getaddrinfo").orElseThrow().fileOffset());
        assertThat(p.ret()).isNull();
        assertThat(p.args()).containsExactly(new ProbeSpec.Arg(0, ProbeSpec.Type.STRING, -1, "node"));
        assertThat(p.comms()).containsExactly("curl");
    }

    @Test
    void theAgentsProbesAreWrittenOutAndParseBackToTheSameProbes() {
        String yaml = "probes:\n"
                + "  - {name: gai, uprobe: 'libc.so.6:getaddrinfo', args: [{index: 0, type: string, name: node}, {index: 1, type: ptr}],"
                + " filters: {comm: [curl], uid: [0], args: [{index: 1, ne: 0}]}, profile: []}\n"
                + "  - {name: wr, uprobe: 'libc.so.6:write', return: true, args: [{index: 0, type: int}, {index: 1, type: buffer, length: 2},"
                + " {index: 2, type: ulong}], events: entry}\n"
                + "  - {name: py, usdt: '/usr/bin/python3.11:python:function__entry', return: 'python:function__return',"
                + " args: [{index: 0, type: string}, {index: 1, type: string}], function: 1}\n"
                + "  - {name: exec, tracepoint: sched/sched_process_exec, profile: [filename]}\n"
                + "  - {name: r, uretprobe: 'libc.so.6:read'}\n";
        AgentConfig c = AgentConfig.parse("v", yaml);
        assertThat(c.probes()).hasSize(5);
        AgentConfig again = AgentConfig.parse("v2", c.toYaml());
        assertThat(again.toYaml()).isEqualTo(c.toYaml());
        for (int i = 0; i < 5; i++) {
            ProbeSpec a = c.probes().get(i), b = again.probes().get(i);
            assertThat(new ProbeSpec(b.name(), b.entry(), b.ret(), b.args(), b.pids(), b.uids(), b.comms(), b.cgroups(), b.argFilters(), b.functionArg(),
                    b.emitEntry(), b.emitReturn(), b.profile(), a.where())).as(a.name()).isEqualTo(a);
        }
        assertThat(c.probes().get(0).profile()).isEmpty();
        assertThat(c.probes().get(1).profile()).isNull();
        assertThat(c.probes().get(3).profile()).containsExactly("filename");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void badProbesAreOneLineWithFileLineAndKey() {
        bad("  - {name: x, uprobe: 'libc.so.6:no_such_fn'}\n", "p.yaml:2: probes[0].uprobe: no function no_such_fn in "
                + pathOfLibc()
                + " (vigil trace --list-symbols " + pathOfLibc() + ")");
        bad("  - {name: x, uprobe: '/no/such/bin:f'}\n", "p.yaml:2: probes[0].uprobe: no such binary /no/such/bin");
        bad("  - {name: x, uprobe: '/etc/hostname:f'}\n", "p.yaml:2: probes[0].uprobe: /etc/hostname: not an ELF file");
        bad("  - {name: x, usdt: '/usr/bin/python3.11:python:nope'}\n",
                "p.yaml:2: probes[0].usdt: no USDT probe python:nope in /usr/bin/python3.11 (vigil trace --list-usdt /usr/bin/python3.11)");
        bad("  - {name: x, usdt: '/usr/bin/python3.11:python:function__entry', args: [{index: 3, type: int}]}\n",
                "p.yaml:2: probes[0].args[0].index: the USDT probe has 3 arguments (index 0 to 2)");
        bad("  - {name: x, uprobe: 'libc.so.6:write', args: [{index: 0, type: float}]}\n",
                "p.yaml:2: probes[0].args[0].type: 'float' is not int, uint, long, ulong, ptr, string or buffer");
        bad("  - {name: x, uprobe: 'libc.so.6:write', args: [{index: 1, type: buffer}]}\n",
                "p.yaml:2: probes[0].args[0]: a buffer needs length (the index of the argument holding its length)");
        bad("  - {name: x, uprobe: 'libc.so.6:write', args: [{index: 1, type: buffer, length: 2}]}\n",
                "p.yaml:2: probes[0].args[0].length: argument 2 is not captured as a number");
        bad("  - {name: x, uprobe: 'libc.so.6:write', filters: {args: [{index: 0, eq: 1}]}}\n",
                "p.yaml:2: probes[0].filters.args[0].index: argument 0 is not captured as a number (filters compare numbers)");
        bad("  - {name: x, uprobe: 'libc.so.6:write', uretprobe: 'libc.so.6:write'}\n",
                "p.yaml:2: probes[0].uretprobe: a probe has one of uprobe, uretprobe, usdt, tracepoint (also uprobe)");
        bad("  - {name: x, uprobe: 'libc.so.6:write', colour: red}\n",
                "p.yaml:2: probes[0].colour: unknown key (name, uprobe, uretprobe, usdt, tracepoint, return, args, function, filters, events, profile)");
        bad("  - {name: x, uprobe: 'libc.so.6:write'}\n  - {name: x, uprobe: 'libc.so.6:read'}\n", "p.yaml:3: probes[1].name: 'x' named twice");
        bad("  - {name: x, uprobe: 'libc.so.6:getaddrinfo', args: [{index: 0, type: string, name: node}], profile: [host]}\n",
                "p.yaml:2: probes[0].profile[0]: 'host' is not a captured argument (node)");
        bad("  - {name: x, tracepoint: 'sched/sched_process_exec', profile: [nope]}\n",
                "p.yaml:2: probes[0].profile[0]: 'nope' is not a field of the tracepoint (filename, pid, old_pid)");
        bad("  - {name: x, uprobe: 'libc.so.6:write', filters: {comm: [a-name-far-too-long]}}\n",
                "p.yaml:2: probes[0].filters.comm[0]: 'a-name-far-too-long' is not a command name (1 to 15 characters)");
    }

    private static String pathOfLibc() {
        try {
            return ProbesConfig.find(LIBC).toRealPath().toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
