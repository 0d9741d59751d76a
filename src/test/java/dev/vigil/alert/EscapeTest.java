package dev.vigil.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EscapeTest {
    @Test
    void controlsSeparatorsAndReorderingAreEscapedAndTheRestKept() {
        assertThat(Escape.text("plain /usr/bin/dash -c 'id'")).isEqualTo("plain /usr/bin/dash -c 'id'");
        assertThat(Escape.text("a\nb\rc\td")).isEqualTo("a\\nb\\rc\\td");
        assertThat(Escape.text("\u001b[2J\u001b]0;owned\u0007")).isEqualTo("\\e[2J\\e]0;owned\\x07");
        assertThat(Escape.text("x\u0085y\u2028z\u202eevil")).isEqualTo("x\\x85y\\u2028z\\u202eevil");
        assertThat(Escape.text("back\\slash")).isEqualTo("back\\\\slash");
        assertThat(Escape.text("caf\u00e9 \uD83D\uDE00")).as("printable text and valid pairs stay").isEqualTo("caf\u00e9 \uD83D\uDE00");
        assertThat(Escape.text("lone \uD800 and \uFFFD")).isEqualTo("lone \\ud800 and \\ufffd");
        assertThat(Escape.text(null)).isEmpty();
    }

    /** A command line that tries to forge a second journal line and clear the operator's screen stays one line. */
    @Test
    void anAlertsTextIsOneLineWhateverItsCommandLineHolds() {
        ProcessRef p = new ProcessRef(10, 10, 1, 33, "sh", "/usr/bin/dash",
                List.of("sh", "-c", "true\n2026-12-02T10:00:00Z INFO vigil: all clear\u001b[2J"), "", "", ContainerRef.NONE);
        Alert a = Alert.builder("profile", "anomaly").time(Instant.EPOCH).host("h").summary("web ran sh -c true\nforged").process(p).build();
        String line = AlertText.line(a);
        assertThat(line).doesNotContain("\n").doesNotContain("\u001b").contains("sh -c true\\nforged").contains("\\e[2J");
    }
}
