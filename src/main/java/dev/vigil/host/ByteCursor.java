package dev.vigil.host;

import java.nio.ByteBuffer;

/** A reading position in an ELF file's bytes (little-endian), with the DWARF encodings its debug and unwind sections use. */
final class ByteCursor {
    private final ByteBuffer b;
    long pos; // a file offset

    ByteCursor(ByteBuffer b, long pos) {
        this.b = b;
        this.pos = pos;
    }

    int u8() { return Byte.toUnsignedInt(b.get(Math.toIntExact(pos++))); }

    int u16() {
        int v = Short.toUnsignedInt(b.getShort(Math.toIntExact(pos)));
        pos += 2;
        return v;
    }

    long u32() {
        long v = Integer.toUnsignedLong(b.getInt(Math.toIntExact(pos)));
        pos += 4;
        return v;
    }

    long s32() {
        long v = b.getInt(Math.toIntExact(pos));
        pos += 4;
        return v;
    }

    long u64() {
        long v = b.getLong(Math.toIntExact(pos));
        pos += 8;
        return v;
    }

    /** An unsigned LEB128 number. */
    long uleb() {
        long r = 0;
        int shift = 0;
        while (true) {
            int x = u8();
            r |= (long) (x & 0x7f) << shift;
            shift += 7;
            if ((x & 0x80) == 0 || shift > 63) return r;
        }
    }

    /** A signed LEB128 number. */
    long sleb() {
        long r = 0;
        int shift = 0, x;
        do {
            x = u8();
            r |= (long) (x & 0x7f) << shift;
            shift += 7;
        } while ((x & 0x80) != 0 && shift < 64);
        if (shift < 64 && (x & 0x40) != 0) r |= -1L << shift;
        return r;
    }

    /** A NUL-terminated string (bytes as Latin-1: names and paths of ASCII). */
    String cstr() {
        StringBuilder s = new StringBuilder();
        for (int c = u8(); c != 0; c = u8()) s.append((char) c);
        return s.toString();
    }

    /** The NUL-terminated string at another offset; this cursor stays where it is. */
    String cstrAt(long at) {
        long save = pos;
        pos = at;
        String s = cstr();
        pos = save;
        return s;
    }
}
