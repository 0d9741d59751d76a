package dev.vigil.profile;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Generalises what changes between runs of the same behaviour, so a profile learns the
 * behaviour and not each instance of it: numbers become {@code <n>}, hex ids and UUIDs
 * {@code <hex>}, temporary names (mktemp's and Python's /tmp/tmpXXXX, /tmp/tmp.XXXX) {@code <tmp>}
 * (only those: a name an attacker chose in /tmp stays itself).
 * Thread-safe.
 */
public final class Patterns {
    private static final Pattern UUID = Pattern.compile("(?<![0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9a-fA-F])");
    private static final Pattern HEX = Pattern.compile("(?<![0-9a-zA-Z])(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{8,}(?![0-9a-zA-Z])");
    private static final Pattern TMP = Pattern.compile("(/(?:tmp|var/tmp|dev/shm)/)tmp[A-Za-z0-9_.-]*");
    private static final Pattern NUMBER = Pattern.compile("(?<![A-Za-z_0-9])\\d+(?![A-Za-z_])");
    /** Longest argument text kept in an item. */
    public static final int MAX_ARGS = 200;

    private Patterns() {}

    public static String generalise(String s) {
        // each pattern needs a character most paths lack: skip the regex when it is absent (the hot path of a first sight)
        boolean digit = false, dash = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') digit = true;
            else if (c == '-') dash = true;
        }
        String out = dash ? UUID.matcher(s).replaceAll("<hex>") : s;
        if (digit) out = HEX.matcher(out).replaceAll("<hex>");
        if (out.contains("/tmp")) out = TMP.matcher(out).replaceAll("$1<tmp>");
        return digit ? NUMBER.matcher(out).replaceAll("<n>") : out;
    }

    /**
     * argv after argv[0], its secrets redacted ({@link Redact}), generalised, joined by spaces; past {@link #MAX_ARGS} characters the readable prefix is
     * followed by the length and a hash of the whole text, so what is added after character 200 of a learnt
     * command line is a new item, not the same one.
     */
    public static String args(List<String> argv) {
        if (argv.size() <= 1) return "";
        List<String> safe = Redact.argv(argv);
        String joined = generalise(String.join(" ", safe.subList(1, safe.size())));
        if (joined.length() <= MAX_ARGS) return joined;
        return joined.substring(0, MAX_ARGS) + "... [" + joined.length() + " chars, #" + String.format("%016x", fnv(joined)) + "]";
    }

    /** FNV-1a, 64 bits: stable across runs and hosts (fleet profiles compare items as text). */
    public static long fnv(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
