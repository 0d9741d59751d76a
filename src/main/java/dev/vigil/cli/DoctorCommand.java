package dev.vigil.cli;

import dev.vigil.agent.Doctor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Checks what vigil needs, says what is missing and how to fix it. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check what vigil needs and say how to fix what is missing.",
                "Privileges, BTF, tracefs (mounted when missing), the raw_syscalls tracepoints, libbpf,",
                "the JDK and the PyTorch engine; loads and attaches a real probe."})
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--skip-engine", description = "Do not check the DJL PyTorch engine (it takes a few seconds).")
    boolean skipEngine;

    @Override
    public Integer call() {
        int failed = 0;
        for (Doctor.Outcome o : Doctor.run(skipEngine)) {
            System.out.printf("[%-4s] %-26s %s%n", o.status(), o.name(), o.detail());
            if (o.failed()) failed++;
        }
        System.out.println(failed == 0 ? "vigil is ready." : failed + " check(s) failed; fix them and run vigil doctor again.");
        return failed == 0 ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
}
