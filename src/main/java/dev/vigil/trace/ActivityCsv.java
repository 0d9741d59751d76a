package dev.vigil.trace;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * evilsocket's activity CSV: header {@code sample_time,sys_0,...,sys_511}, then one row
 * per sample: seconds since the epoch ({@code %f}) and one rate of change per syscall.
 * Files written by the reference tool load here and the other way round.
 */
public final class ActivityCsv {
    private ActivityCsv() {}

    /** A malformed activity file; the message names the file and line. */
    public static final class FormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public FormatException(String message) { super(message); }
    }

    public record Sample(double time, double[] values) {}

    public record Data(int width, List<Sample> samples, boolean droppedTruncatedLastRow) {
        public double[][] matrix() {
            double[][] m = new double[samples.size()][];
            for (int i = 0; i < m.length; i++) m[i] = samples.get(i).values();
            return m;
        }
    }

    public static String header(int width) {
        StringBuilder sb = new StringBuilder("sample_time");
        for (int i = 0; i < width; i++) sb.append(",sys_").append(i);
        return sb.toString();
    }

    /** Reads a whole file. A last row cut short by a kill (no newline) is dropped. */
    public static Data read(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) throw new FormatException(file + ": no such file");
        List<Sample> out = new ArrayList<>();
        boolean endsWithNewline;
        try (var ch = Files.newByteChannel(file)) {
            long size = ch.size();
            if (size == 0) throw new FormatException(name + ": empty file (no header)");
            ch.position(size - 1);
            var b = java.nio.ByteBuffer.allocate(1);
            ch.read(b);
            endsWithNewline = b.get(0) == '\n';
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String head = r.readLine();
            if (head == null) throw new FormatException(name + ": empty file (no header)");
            String[] cols = head.strip().split(",", -1);
            if (cols.length < 2 || !cols[0].equals("sample_time")) {
                throw new FormatException(name + ":1: header must start with sample_time,sys_0 (found \"" + abbreviate(head) + "\")");
            }
            for (int i = 1; i < cols.length; i++) {
                if (!cols[i].equals("sys_" + (i - 1))) {
                    throw new FormatException(name + ":1: column " + (i + 1) + " must be sys_" + (i - 1) + ", found \"" + abbreviate(cols[i]) + "\"");
                }
            }
            int width = cols.length - 1;
            List<String> lines = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
            boolean dropped = false;
            for (int li = 0; li < lines.size(); li++) {
                String line = lines.get(li);
                int lineNo = li + 2;
                if (line.isBlank()) continue;
                boolean last = li == lines.size() - 1;
                try {
                    out.add(parseRow(line, width, name, lineNo));
                } catch (FormatException e) {
                    if (last && !endsWithNewline) {
                        dropped = true; // the row being written when the writer was killed
                    } else {
                        throw e;
                    }
                }
            }
            return new Data(width, out, dropped);
        }
    }

    private static Sample parseRow(String line, int width, String name, int lineNo) {
        String[] f = line.strip().split(",", -1);
        if (f.length != width + 1) {
            throw new FormatException(name + ":" + lineNo + ": expected " + (width + 1) + " fields, found " + f.length);
        }
        double t = parse(f[0], name, lineNo, 1);
        double[] v = new double[width];
        for (int i = 0; i < width; i++) v[i] = parse(f[i + 1], name, lineNo, i + 2);
        return new Sample(t, v);
    }

    private static double parse(String s, String name, int lineNo, int col) {
        try {
            double d = Double.parseDouble(s);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new FormatException(name + ":" + lineNo + ": column " + col + " is not a finite number: \"" + abbreviate(s) + "\"");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    /**
     * Appends rows to a new activity file, flushing each row so a kill loses at most the
     * row being written. Not thread-safe.
     */
    public static final class Writer implements AutoCloseable {
        private final BufferedWriter out;
        private final int width;
        private final StringBuilder row = new StringBuilder(8192);
        private long rows;

        /**
         * Creates the file; refuses to replace an existing one unless force.
         * @throws FileAlreadyExistsException when it exists and force is false
         */
        public Writer(Path file, int width, boolean force) throws IOException {
            this.width = width;
            var opts = force
                    ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE}
                    : new StandardOpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
            this.out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file, opts), StandardCharsets.UTF_8), 1 << 16);
            out.write(header(width));
            out.write('\n');
            out.flush();
        }

        public void write(double time, double[] values) throws IOException {
            if (values.length != width) throw new IllegalArgumentException("row of " + values.length + " values, file has " + width);
            row.setLength(0);
            row.append(String.format(Locale.ROOT, "%f", time));
            for (double v : values) {
                row.append(',');
                if (v == 0.0) row.append("0.0"); else row.append(v);
            }
            row.append('\n');
            out.write(row.toString());
            out.flush();
            rows++;
        }

        public long rows() { return rows; }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
