package dev.vigil.alert;

/**
 * Text an attacker chose (command lines, paths, names) made safe for a line read by people:
 * control characters (C0, DEL, C1), line and paragraph separators and the bidirectional
 * overrides that reorder what a terminal shows are written as escapes ({@code \n}, {@code \t},
 * {@code \e}, {@code \x07}, {@code \u202e}), and a backslash as {@code \\}, so no alert can
 * forge a second line in a journal, move the cursor of the operator's terminal or hide part
 * of itself. Bytes that were not valid UTF-8 arrive as U+FFFD and are written as
 * {@code \ufffd}. JSON forms need none of this (the JSON writer escapes). Static; thread-safe.
 */
public final class Escape {
    private Escape() {}

    public static String text(String s) {
        if (s == null) return "";
        int i = 0;
        while (i < s.length() && !needs(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
        if (i == s.length()) return s;
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        while (i < s.length()) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (!needs(c)) {
                sb.appendCodePoint(c);
                continue;
            }
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x1b -> sb.append("\\e");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c < 0x100 ? String.format("\\x%02x", c) : String.format("\\u%04x", c));
            }
        }
        return sb.toString();
    }

    /** A lone surrogate (codePointAt returns it unpaired), a control or a reordering character. */
    private static boolean needs(int c) {
        return c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c || c == 0xfffd || (c >= 0xd800 && c <= 0xdfff);
    }
}
