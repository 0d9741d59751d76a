package dev.vigil.sensor;

import dev.vigil.bpf.Tracefs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tracepoint's record layout, from tracefs's events/CATEGORY/NAME/format: its fields
 * (after the common_* header), each decoded from the bytes probes.bpf.c copies. Immutable.
 */
public record TracepointFormat(String category, String name, List<Field> fields, int size) {
    /** Bytes of a record the kernel program copies at most (VIGIL_PROBE_RAW). */
    public static final int RAW_MAX = 256;
    private static final java.util.Set<String> INT32 = java.util.Set.of("int", "pid_t", "uid_t", "gid_t", "key_t", "clockid_t", "mqd_t", "timer_t");
    private static final Pattern FIELD = Pattern.compile(
            "\\s*field:(.+?);\\s*offset:(\\d+);\\s*size:(\\d+);\\s*signed:(\\d+);.*");

    /**
     * A field: its C type, offset and size in the record; dataLoc for a __data_loc string (the
     * record holds its place); array the length of a char array (0: not one).
     */
    public record Field(String name, String type, int offset, int size, boolean signed, boolean dataLoc, int array, boolean userString) {
        boolean pointer() { return type.endsWith("*"); }

        /** A string the kernel copies for the event: a __data_loc string, or a system call's string argument (read from the caller's memory). */
        boolean text() { return dataLoc || userString; }
    }

    /** Reads a tracepoint's format (mounting tracefs if needed); a one-line IOException when there is none. */
    public static TracepointFormat read(String category, String name) throws IOException {
        if (!category.matches("[A-Za-z0-9_]+") || !name.matches("[A-Za-z0-9_]+")) {
            throw new IOException("'" + category + "/" + name + "' is not a tracepoint name (category/name)");
        }
        Path root = Tracefs.mounted();
        if (root == null) root = Tracefs.ensureMounted();
        Path f = root.resolve("events").resolve(category).resolve(name).resolve("format");
        try {
            return parse(category, name, Files.readString(f));
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(root.resolve("events").resolve(category))) throw new IOException("no tracepoint category " + category + " in this kernel");
            throw new IOException("no tracepoint " + category + "/" + name + " in this kernel");
        }
    }

    /** Parses a format file's text. */
    public static TracepointFormat parse(String category, String name, String text) {
        List<Field> fields = new ArrayList<>();
        int size = 0;
        for (String line : text.split("\n")) {
            Matcher m = FIELD.matcher(line);
            if (!m.matches()) continue;
            String decl = m.group(1).trim();
            int offset = Integer.parseInt(m.group(2)), sz = Integer.parseInt(m.group(3));
            size = Math.max(size, offset + sz);
            int cut = decl.lastIndexOf(' ');
            String type = decl.substring(0, cut).trim(), fname = decl.substring(cut + 1).trim();
            while (fname.startsWith("*")) {
                type += "*";
                fname = fname.substring(1);
            }
            int array = 0;
            int br = fname.indexOf('[');
            if (br > 0) {
                String n = fname.substring(br + 1, fname.indexOf(']', br));
                array = n.matches("\\d+") ? Integer.parseInt(n) : 0;
                fname = fname.substring(0, br);
            }
            if (fname.startsWith("common_")) continue;
            // a system call's char * argument points into the caller's memory: its string is read at the call
            boolean user = category.equals("syscalls") && sz == 8 && type.replace(" ", "").matches("(const)?char\\*");
            fields.add(new Field(fname, type, offset, sz, m.group(4).equals("1"), type.startsWith("__data_loc"), type.equals("char") ? array : 0, user));
        }
        return new TracepointFormat(category, name, List.copyOf(fields), size);
    }

    public Optional<Field> field(String n) { return fields.stream().filter(f -> f.name().equals(n)).findFirst(); }

    /** The string fields the kernel copies (__data_loc strings, a system call's string arguments), in order; at most the first three are read. */
    public List<Field> strings() { return fields.stream().filter(Field::text).toList(); }

    /** Bytes of the record to copy. */
    public int rawSize() { return Math.min(size, RAW_MAX); }

    /**
     * One field's value from a copied record: a number, a string (char arrays, and __data_loc
     * strings from strs in dataLocs order), an address in hex, or null when the field lies
     * past the bytes copied.
     */
    public Object value(Field f, byte[] raw, List<String> strs) {
        if (f.text()) {
            int i = strings().indexOf(f);
            return i >= 0 && i < strs.size() ? strs.get(i) : null;
        }
        if (f.offset() + f.size() > raw.length) return null;
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (f.array() > 0) {
            int end = f.offset();
            while (end < f.offset() + f.size() && raw[end] != 0) end++;
            return new String(raw, f.offset(), end - f.offset(), StandardCharsets.UTF_8);
        }
        long v;
        switch (f.size()) {
            case 1 -> v = f.signed() ? b.get(f.offset()) : b.get(f.offset()) & 0xffL;
            case 2 -> v = f.signed() ? b.getShort(f.offset()) : b.getShort(f.offset()) & 0xffffL;
            case 4 -> v = f.signed() ? b.getInt(f.offset()) : b.getInt(f.offset()) & 0xffffffffL;
            case 8 -> v = b.getLong(f.offset());
            default -> {
                StringBuilder hex = new StringBuilder();
                for (int i = 0; i < f.size(); i++) hex.append(String.format("%02x", raw[f.offset() + i]));
                return hex.toString();
            }
        }
        if (f.pointer()) return "0x" + Long.toHexString(v);
        if (f.size() == 8 && INT32.contains(f.type())) return (long) (int) v; // syscalls/sys_enter_*: an int argument in a long slot
        if (f.size() == 8 && !f.signed() && v < 0) return Long.toUnsignedString(v);
        return v;
    }
}
