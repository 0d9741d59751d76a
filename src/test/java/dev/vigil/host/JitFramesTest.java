package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A JIT's code named by its perf map, unwound by its prologue, and Python's functions first in an alert's words. */
class JitFramesTest {
    @Test
    void aPerfMapNamesTheFunctionThatCoversAnAddress() {
        PerfMap m = PerfMap.parse(Path.of("/tmp/perf-1.map"), """
                7faa5caed000 b py::_find_and_load:<frozen importlib._bootstrap>
                7faa5caed00b b py::serve:/srv/app.py
                0x7faa5caee000 0x100 LazyCompile:~handler /srv/app.js:3
                not a line of a perf map
                """);
        assertThat(m.entries()).hasSize(3);
        assertThat(m.find(0x7faa5caed000L).orElseThrow().name()).isEqualTo("py::_find_and_load:<frozen importlib._bootstrap>");
        assertThat(m.find(0x7faa5caed011L).orElseThrow().name()).isEqualTo("py::serve:/srv/app.py");
        assertThat(m.find(0x7faa5caed016L)).as("past the last byte of serve's 11").isEmpty();
        assertThat(m.find(0x7faa5caee0ffL).orElseThrow().name()).startsWith("LazyCompile:");
        assertThat(m.find(0x7faa5caecfffL)).isEmpty();
        assertThat(PerfMap.function("py::Handler.do_GET:/srv/app.py")).containsExactly("Handler.do_GET", "/srv/app.py");
        assertThat(PerfMap.function("LazyCompile:~handler /srv/app.js:3")).containsExactly("LazyCompile:~handler /srv/app.js:3", "");
    }

    @Test
    void aProcesssOwnPerfMapIsReadButALinkIsNotBelieved() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        Path file = Path.of("/tmp/perf-" + pid + ".map");
        Path elsewhere = Files.createTempFile("vigil-perfmap", ".map");
        try {
            Files.writeString(file, "1000 10 py::handle_request:/srv/app.py\n");
            assertThat(PerfMap.read(pid).orElseThrow().find(0x1008).orElseThrow().name()).isEqualTo("py::handle_request:/srv/app.py");
            Files.delete(file);
            Files.writeString(elsewhere, "1000 10 py::planted:/x.py\n");
            Files.createSymbolicLink(file, elsewhere);
            assertThat(PerfMap.read(pid)).as("a symbolic link to a map elsewhere").isEmpty();
            Files.delete(file);
            assertThat(PerfMap.read(pid)).as("none written").isEmpty();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(elsewhere);
        }
    }

    @Test
    void aStubsPrologueSaysWhereItsCallersFrameIs() {
        // CPython 3.12's perf trampoline: sub rsp,8; call rcx; add rsp,8; ret (read off a live python3.12 -X perf)
        byte[] cpython = {0x48, (byte) 0x83, (byte) 0xec, 0x08, (byte) 0xff, (byte) 0xd1, 0x48, (byte) 0x83, (byte) 0xc4, 0x08, (byte) 0xc3};
        assertThat(Prologue.at(cpython, 6)).contains(new Prologue.Rule(8, -1));
        assertThat(Prologue.at(cpython, 5)).as("no call ends at that return address").isEmpty();
        // push rbp; mov rbp,rsp; push rbx; call rel32
        byte[] framed = {0x55, 0x48, (byte) 0x89, (byte) 0xe5, 0x53, (byte) 0xe8, 0, 0, 0, 0};
        assertThat(Prologue.at(framed, 10)).contains(new Prologue.Rule(16, 8));
        // an instruction it does not know before the call: no rule
        byte[] other = {0x48, (byte) 0x8b, 0x07, (byte) 0xff, (byte) 0xd0};
        assertThat(Prologue.at(other, 5)).isEmpty();
    }

    @Test
    void pythonsOwnFunctionsComeFirstInTheWords() {
        StackFrame libc = new StackFrame(0x7f0010, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0xf8011, "", "open", 0x51, "");
        StackFrame eval = new StackFrame(0x7f0020, "/usr/lib/libpython3.12.so.1.0", 0x110812, "", "_PyEval_EvalFrameDefault", 0x4a52, "");
        StackFrame secret = new StackFrame(0x7e0001, "", 0, "", "open_secret", 6, StackFrame.JIT, "/srv/app.py", 0);
        StackFrame handle = new StackFrame(0x7e0002, "", 0, "", "handle_request", 6, StackFrame.JIT, "/srv/app.py", 0);
        StackFrame lib = new StackFrame(0x7e0003, "", 0, "", "Server.serve", 6, StackFrame.JIT, "/usr/lib/python3.12/socketserver.py", 0);
        StackFrame main = new StackFrame(0x7e0004, "", 0, "", "<module>", 6, StackFrame.JIT, "/srv/app.py", 0);
        assertThat(StackWords.where(List.of(libc, eval, secret, eval, handle, eval, lib, eval, main)))
                .isEqualTo("at open_secret <- handle_request <- Server.serve (socketserver.py) (app.py)");
        assertThat(StackWords.where(List.of(libc, eval))).as("no Python frame named: the native ones").isEqualTo("at _PyEval_EvalFrameDefault (libpython3.12.so.1.0)");
        assertThat(secret.text()).isEqualTo("open_secret (app.py) (JIT code at 0x7e0001)");
        assertThat(StackFrame.decode(secret.encode())).isEqualTo(secret);
        assertThat(StackWords.evidence(List.of(secret)).getFirst()).containsEntry("region", "jit").containsEntry("symbol", "open_secret+0x6")
                .containsEntry("file", "/srv/app.py").doesNotContainKey("line");
    }
}
