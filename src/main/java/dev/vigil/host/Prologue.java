package dev.vigil.host;

import java.util.Optional;

/**
 * How to unwind a frame of code that has no unwind rule (a JIT's, which no .eh_frame
 * describes), from its machine code: the x86-64 prologue from the function's start up to
 * the call whose return address the stack holds. It knows what short generated stubs do
 * before they call (push a register, push rbp and point rbp at it, subtract from rsp); CPython
 * 3.12's perf trampoline is {@code sub rsp,8; call rcx}. Anything else between the start and
 * that call: no rule (the caller falls back to the frame pointer).
 */
public final class Prologue {
    private Prologue() {}

    /**
     * The frame: depth the bytes pushed or reserved below the return address at the call (its CFA is sp + depth + 8,
     * its return address at sp + depth, sp the stack pointer at the call); rbpAt, when rbp was pushed, the depth it
     * was saved at (at CFA - 8 - rbpAt), else -1.
     */
    public record Rule(long depth, long rbpAt) {}

    /** The rule for code whose bytes from its start are code, the return address at offset ret of them. */
    public static Optional<Rule> at(byte[] code, int ret) {
        long depth = 0, rbpAt = -1;
        int i = 0;
        while (i < ret && i < code.length) {
            int b = code[i] & 0xff, n = i + 1 < code.length ? code[i + 1] & 0xff : -1;
            if (b == 0x55) { // push rbp
                depth += 8;
                rbpAt = depth;
                i += 1;
            } else if (b >= 0x50 && b <= 0x57) { // push r64
                depth += 8;
                i += 1;
            } else if (b == 0x41 && n >= 0x50 && n <= 0x57) { // push r8..r15
                depth += 8;
                i += 2;
            } else if (b == 0x48 && n == 0x89 && i + 2 < code.length && (code[i + 2] & 0xff) == 0xe5) { // mov rbp,rsp
                i += 3;
            } else if (b == 0x48 && n == 0x83 && i + 3 < code.length && (code[i + 2] & 0xff) == 0xec) { // sub rsp,imm8
                depth += code[i + 3] & 0xff;
                i += 4;
            } else if (b == 0x48 && n == 0x81 && i + 6 < code.length && (code[i + 2] & 0xff) == 0xec) { // sub rsp,imm32
                depth += (code[i + 3] & 0xffL) | (code[i + 4] & 0xffL) << 8 | (code[i + 5] & 0xffL) << 16 | (code[i + 6] & 0xffL) << 24;
                i += 7;
            } else if (b == 0xff && n >= 0xd0 && n <= 0xd7 && i + 2 == ret) { // call r64: the call the stack returns to
                return Optional.of(new Rule(depth, rbpAt));
            } else if (b == 0x41 && n == 0xff && i + 2 < code.length && (code[i + 2] & 0xff) >= 0xd0 && (code[i + 2] & 0xff) <= 0xd7 && i + 3 == ret) {
                return Optional.of(new Rule(depth, rbpAt)); // call r8..r15
            } else if (b == 0xe8 && i + 5 == ret) { // call rel32
                return Optional.of(new Rule(depth, rbpAt));
            } else {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
