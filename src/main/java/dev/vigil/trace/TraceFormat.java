package dev.vigil.trace;

import dev.vigil.syscall.SyscallMapping;
import java.util.Arrays;

/**
 * The plain trace format vigil reads: system calls in order, separated by white space or
 * commas, each a number in the recording's architecture (ADFA-LD's format) or a name
 * ("openat"). Lines starting with '#' are comments. Stateless and thread-safe.
 */
public final class TraceFormat {
    /** A malformed trace; the message names the file and the offending token. */
    public static final class FormatException extends RuntimeException {
        public FormatException(String message) { super(message); }
    }

    private TraceFormat() {}

    public static int[] parse(CharSequence text, SyscallMapping mapping, String where) {
        int[] out = new int[Math.max(16, text.length() / 3)];
        int n = 0;
        int len = text.length();
        int i = 0;
        int line = 1;
        while (i < len) {
            char c = text.charAt(i);
            if (c == '\n') { line++; i++; continue; }
            if (c == ' ' || c == '\t' || c == '\r' || c == ',') { i++; continue; }
            if (c == '#') {
                while (i < len && text.charAt(i) != '\n') i++;
                continue;
            }
            int start = i;
            while (i < len && !isSeparator(text.charAt(i))) i++;
            int token;
            if (Character.isDigit(c)) {
                int v = 0;
                for (int k = start; k < i; k++) {
                    char d = text.charAt(k);
                    if (d < '0' || d > '9' || v > 100_000) throw bad(where, line, text.subSequence(start, i));
                    v = v * 10 + (d - '0');
                }
                try {
                    token = mapping.token(v);
                } catch (IllegalArgumentException e) {
                    throw new FormatException(where + ":" + line + ": " + e.getMessage());
                }
            } else {
                String name = text.subSequence(start, i).toString();
                token = mapping.tokenOf(name).orElseThrow(() -> bad(where, line_(text, start), name));
            }
            if (n == out.length) out = Arrays.copyOf(out, n * 2);
            out[n++] = token;
        }
        return Arrays.copyOf(out, n);
    }

    private static int line_(CharSequence text, int upTo) {
        int l = 1;
        for (int k = 0; k < upTo; k++) if (text.charAt(k) == '\n') l++;
        return l;
    }

    private static boolean isSeparator(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',';
    }

    private static FormatException bad(String where, int line, CharSequence token) {
        return new FormatException(where + ":" + line + ": '" + token + "' is neither a system-call number nor a known name");
    }
}
