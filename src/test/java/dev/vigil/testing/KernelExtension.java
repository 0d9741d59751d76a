package dev.vigil.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThat;

/** See {@link KernelTest}. */
public final class KernelExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        String missing = missingPrivilege();
        if (missing == null) return;
        String reason = "KERNEL TEST NOT RUN: " + missing + " (run the tests as root)";
        System.err.println("*** " + reason + ": " + context.getDisplayName());
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(reason + "; CI=true makes a skipped kernel test a failure");
        }
        throw new TestAbortedException(reason);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("before", KernelState.ours());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        @SuppressWarnings("unchecked")
        Set<KernelState.Entry> before = (Set<KernelState.Entry>) context.getStore(NS).get("before");
        Set<KernelState.Entry> leaked = KernelState.awaitNoNew(before);
        assertThat(leaked).as("BPF programs/links of ours left in the kernel after the test").isEmpty();
    }

    /** null when this process can load BPF programs, else what is missing. */
    static String missingPrivilege() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    boolean sysAdmin = (caps & (1L << 21)) != 0;
                    boolean bpf = (caps & (1L << 39)) != 0;
                    boolean perfmon = (caps & (1L << 38)) != 0;
                    if (sysAdmin || (bpf && perfmon)) return null;
                    return "no CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN)";
                }
            }
        } catch (Exception e) {
            return "cannot read /proc/self/status: " + e.getMessage();
        }
        return "no CapEff in /proc/self/status";
    }
}
