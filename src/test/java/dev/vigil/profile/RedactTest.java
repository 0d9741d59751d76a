package dev.vigil.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactTest {
    static String args(String... argv) { return Patterns.args(List.of(argv)); }

    @Test
    void secretsNeverReachAnItem() {
        assertThat(args("/usr/bin/mysql", "-uroot", "-pS3cret", "shop")).isEqualTo("-uroot -p<redacted> shop");
        assertThat(args("/usr/bin/pg_dump", "--password=S3cret", "-h", "db")).isEqualTo("--password=<redacted> -h db");
        assertThat(args("/usr/bin/tool", "--api-key", "AKIAXYZ", "--verbose")).isEqualTo("--api-key <redacted> --verbose");
        assertThat(args("/usr/bin/env", "DB_PASSWORD=hunter2", "AWS_SECRET_ACCESS_KEY=abc/def", "PATH=/usr/bin", "app"))
                .isEqualTo("DB_PASSWORD=<redacted> AWS_SECRET_ACCESS_KEY=<redacted> PATH=/usr/bin app");
        assertThat(args("/usr/bin/curl", "https://admin:hunter2@repo.example/x", "-H", "Authorization: Bearer eyJabc"))
                .isEqualTo("https://admin:<redacted>@repo.example/x -H Authorization: Bearer <redacted>");
        assertThat(args("/usr/bin/git", "clone", "https://ghp_abcdefghijklmnopqrstuvwxyz@github.example/r")).as("a token as the user")
                .isEqualTo("clone https://<redacted>@github.example/r");
        assertThat(args("/usr/bin/git", "clone", "https://git@github.example/r")).as("a user name is not a secret")
                .isEqualTo("clone https://git@github.example/r");
    }

    @Test
    void theRestOfTheCommandLineStays() {
        assertThat(args("/usr/bin/ssh", "-p", "2222", "host")).as("-p is a port for ssh").isEqualTo("-p <n> host");
        assertThat(args("/usr/bin/ls", "-la", "/etc/passwd")).isEqualTo("-la /etc/passwd");
        assertThat(args("/usr/sbin/nginx", "-g", "daemon off;")).isEqualTo("-g daemon off;");
    }
}
