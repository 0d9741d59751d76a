package dev.vigil.bpf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written offsets of struct bpf_object_open_opts agree with the installed libbpf header. */
class OpenOptsLayoutTest {
    @Test
    void offsetsMatchTheHeader() throws Exception {
        Path dir = Files.createTempDirectory("vigil-opts");
        Path src = dir.resolve("o.c");
        Files.writeString(src, """
                #include <stdio.h>
                #include <stddef.h>
                #include <bpf/libbpf.h>
                int main(void) {
                  printf("%zu %zu %zu %zu %zu\\n", sizeof(struct bpf_object_open_opts),
                    offsetof(struct bpf_object_open_opts, object_name),
                    offsetof(struct bpf_object_open_opts, kernel_log_buf),
                    offsetof(struct bpf_object_open_opts, kernel_log_size),
                    offsetof(struct bpf_object_open_opts, kernel_log_level));
                  return 0;
                }
                """);
        Process cc = new ProcessBuilder("clang", "-o", dir.resolve("o").toString(), src.toString()).inheritIO().start();
        assertThat(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0).as("compiled").isTrue();
        Process run = new ProcessBuilder(dir.resolve("o").toString()).start();
        String out = new String(run.getInputStream().readAllBytes()).strip();
        assertThat(out).isEqualTo(Libbpf.OPEN_OPTS_SIZE + " " + Libbpf.OPEN_OPTS_OBJECT_NAME + " " + Libbpf.OPEN_OPTS_LOG_BUF
                + " " + Libbpf.OPEN_OPTS_LOG_SIZE + " " + Libbpf.OPEN_OPTS_LOG_LEVEL);
    }
}
