package dev.vigil.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs vigil in-process and captures what it prints. */
record Cli(int exit, String out, String err) {
    static synchronized Cli run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Cli r = new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.print(r.out);
        oldErr.print(r.err);
        return r;
    }

    /** The stderr line starting with "vigil: ". */
    String error() {
        return err.lines().filter(l -> l.startsWith("vigil: ")).findFirst().orElse("");
    }
}
