package dev.vigil.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A user stack in an alert: where in the program, in words, and as evidence (every detector's alerts say it the same way). */
public final class StackWords {
    private StackWords() {}

    /** Frames named in an alert's words. */
    public static final int NAMED = 3;

    /** The C library's and the loader's own frames (the system-call wrappers): not where in the program. */
    public static boolean system(StackFrame f) {
        String file = f.binary().substring(f.binary().lastIndexOf('/') + 1);
        return file.startsWith("libc.so") || file.startsWith("libc-") || file.startsWith("ld-linux") || file.startsWith("libpthread")
                || file.startsWith("ld-musl") || file.startsWith("libc.musl");
    }

    /**
     * "at open_secret <- main (probe_stack_fp)": the innermost frames of the program (past the C library's wrapper)
     * that the stack names, or "" when it names none.
     */
    public static String where(List<StackFrame> stack) {
        String interpreted = interpreted(stack);
        if (!interpreted.isEmpty()) return interpreted;
        List<String> names = new ArrayList<>();
        String binary = "";
        int i = 0;
        while (i < stack.size() && system(stack.get(i)) && !stack.get(i).fromNowhere()) i++;
        for (; i < stack.size() && names.size() < NAMED; i++) {
            StackFrame f = stack.get(i);
            if (f.fromNowhere() || f.binary().isEmpty() || f.binary().startsWith("[")) break; // the code item says it; the walk lost its way; the kernel's code
            if (!names.isEmpty() && (system(f) || names.getLast().equals("main") || names.getLast().startsWith("main ("))) break; // past the program's own frames
            String file = f.binary().substring(f.binary().lastIndexOf('/') + 1);
            if (binary.isEmpty()) binary = file;
            String name = f.symbol().isEmpty() ? file + "+0x" + Long.toHexString(f.offset()) : file.equals(binary) ? f.symbol() : f.symbol() + " (" + file + ")";
            names.add(f.where().isEmpty() ? name : name + " (" + f.where() + ")");
        }
        return names.isEmpty() ? "" : "at " + String.join(" <- ", names) + " (" + binary + ")";
    }

    /**
     * "at open_secret <- handle_request <- serve (app.py)": an interpreter's own functions, first, when its JIT names
     * them with their source (CPython's perf trampolines), innermost first; "" when none does.
     */
    static String interpreted(List<StackFrame> stack) {
        List<String> names = new ArrayList<>();
        String first = "";
        for (StackFrame f : stack) {
            if (!f.nowhere().equals(StackFrame.JIT) || f.source().isEmpty()) continue;
            String file = f.source().substring(f.source().lastIndexOf('/') + 1);
            if (first.isEmpty()) first = file;
            String name = file.equals(first) ? f.symbol() : f.symbol() + " (" + file + ")";
            if (!names.isEmpty() && names.getLast().equals(name)) continue;
            names.add(name);
            if (names.size() == NAMED) break;
        }
        return names.isEmpty() ? "" : "at " + String.join(" <- ", names) + " (" + first + ")";
    }

    /** The stack as alert evidence: a map per frame. */
    public static List<Map<String, Object>> evidence(List<StackFrame> stack) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StackFrame f : stack) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", "0x" + Long.toHexString(f.address()));
            if (!f.nowhere().isEmpty()) m.put("region", f.nowhere());
            if (!f.binary().isEmpty()) {
                m.put("binary", f.binary());
                m.put("offset", "0x" + Long.toHexString(f.offset()));
            }
            if (!f.buildId().isEmpty()) m.put("build_id", f.buildId());
            if (!f.symbol().isEmpty()) m.put("symbol", f.symbol() + (f.symbolOffset() > 0 ? "+0x" + Long.toHexString(f.symbolOffset()) : ""));
            if (!f.source().isEmpty()) {
                m.put("file", f.source());
                if (f.line() > 0) m.put("line", f.line());
            }
            out.add(m);
        }
        return out;
    }
}
