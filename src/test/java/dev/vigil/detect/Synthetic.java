package dev.vigil.detect;

import dev.vigil.syscall.SyscallTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded synthetic traces: a file-copying program, and the same program with a reverse shell injected. */
public final class Synthetic {
    private static final SyscallTable T = SyscallTable.of("x86_64");

    private Synthetic() {}

    static int n(String name) { return T.number(name).orElseThrow(); }

    public static int[] normal(Random r) {
        List<Integer> t = new ArrayList<>();
        for (String s : new String[] {"execve", "brk", "mmap", "openat", "fstat", "mmap", "close"}) t.add(n(s));
        int files = 2 + r.nextInt(4);
        for (int f = 0; f < files; f++) {
            t.add(n("openat"));
            t.add(n("fstat"));
            int blocks = 1 + r.nextInt(6);
            for (int b = 0; b < blocks; b++) {
                t.add(n("read"));
                if (r.nextInt(4) == 0) t.add(n("lseek"));
                t.add(n("write"));
            }
            t.add(n("close"));
        }
        t.add(n("exit_group"));
        return t.stream().mapToInt(Integer::intValue).toArray();
    }

    public static int[] anomalous(Random r) {
        int[] base = normal(r);
        int[] shell = {n("socket"), n("connect"), n("dup2"), n("dup2"), n("dup2"), n("execve"), n("read"), n("write"), n("read"), n("write")};
        int at = 7 + r.nextInt(base.length - 8);
        int[] out = new int[base.length + shell.length];
        System.arraycopy(base, 0, out, 0, at);
        System.arraycopy(shell, 0, out, at, shell.length);
        System.arraycopy(base, at, out, at + shell.length, base.length - at);
        return out;
    }

    public static List<int[]> normals(long seed, int count) {
        Random r = new Random(seed);
        List<int[]> l = new ArrayList<>();
        for (int i = 0; i < count; i++) l.add(normal(r));
        return l;
    }

    public static List<int[]> anomalies(long seed, int count) {
        Random r = new Random(seed);
        List<int[]> l = new ArrayList<>();
        for (int i = 0; i < count; i++) l.add(anomalous(r));
        return l;
    }
}
