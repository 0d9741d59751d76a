package dev.vigil.syscall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SyscallMappingTest {
    private final SyscallMapping m = SyscallMapping.toHost("i386");
    private final SyscallTable host = SyscallTable.host();

    @Test
    void mapsByName() {
        assertThat(m.token(3)).isEqualTo(host.number("read").orElseThrow());
        assertThat(m.token(252)).isEqualTo(host.number("exit_group").orElseThrow());
        assertThat(m.token(11)).isEqualTo(host.number("execve").orElseThrow());
        assertThat(m.name(m.token(252))).isEqualTo("exit_group");
    }

    @Test
    void foldsWidthVariants() {
        assertThat(m.name(m.token(192))).isEqualTo("mmap");      // mmap2
        assertThat(m.name(m.token(197))).isEqualTo("fstat");     // fstat64
        assertThat(m.name(m.token(199))).isEqualTo("getuid");    // getuid32
        assertThat(m.name(m.token(140))).isEqualTo("lseek");     // _llseek
    }

    @Test
    void keepsCallsTheHostLacks() {
        int t = m.token(102);
        assertThat(t).isEqualTo(SyscallMapping.FOREIGN_BASE + 102);
        assertThat(m.name(t)).isEqualTo("socketcall");
        assertThat(m.tokenOf("socketcall")).contains(t);
        assertThat(m.tokenOf("openat")).contains(host.number("openat").orElseThrow());
    }

    @Test
    void rejectsUnknownNumbers() {
        assertThatThrownBy(() -> m.token(9999)).hasMessageContaining("no i386 system call numbered 9999");
        assertThatThrownBy(() -> m.token(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
