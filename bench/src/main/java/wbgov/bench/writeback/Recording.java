package wbgov.bench.writeback;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The time series of one run (one scenario under one configuration): named columns of doubles
 * sampled together, time in seconds from the start of the run, plus events ("rate drops to
 * 0.1 MiB/s") at their times.
 *
 * <p>Why columns of doubles rather than a row type per device: scenarios differ in how many
 * devices and writers they have, and the CSV, the metrics and the plots all want a column by
 * name ({@code "slow.dirty_bytes"}). Byte counts fit a double exactly below 2^53 (8 PiB).
 *
 * <p>Column names are {@code <device>.<field>} or {@code <writer>.<field>}; the fields the
 * recorder writes are the constants below. A missing value (a source the kernel did not give)
 * is NaN, written as an empty CSV cell.
 */
public final class Recording {
    public static final String DIRTY = "dirty_bytes";
    public static final String WRITEBACK = "writeback_bytes";
    /** Cumulative bytes dirtied for the bdi (debugfs BdiDirtied). */
    public static final String DIRTIED = "dirtied_bytes";
    /** Cumulative bytes written back (debugfs BdiWritten). */
    public static final String WRITTEN = "written_bytes";
    /** Cumulative bytes the NBD backend completed (the server's own count): the device's real output. */
    public static final String BACKEND_WRITTEN = "backend_written_bytes";
    /** bdi max_bytes as the kernel keeps it. */
    public static final String MAX_BYTES = "max_bytes";
    public static final String STRICT = "strict_limit";
    /** debugfs BdiDirtyThresh: the kernel's own threshold for the bdi. */
    public static final String BDI_THRESH = "bdi_thresh_bytes";
    /** The NBD server's in-flight byte limit for the export. */
    public static final String INFLIGHT_LIMIT = "inflight_limit_bytes";
    /** The emulated backend rate in force. */
    public static final String BACKEND_RATE = "backend_rate_bytes_per_s";
    /** A writer's bytes accepted by write(2), cumulative. */
    public static final String PROGRESS = "progress_bytes";
    /** Derived: dirtying rate from {@link #DIRTIED}. */
    public static final String DIRTYING_RATE = "dirtying_bytes_per_s";
    /** Derived: completion rate from {@link #BACKEND_WRITTEN} where present, else {@link #WRITTEN}. */
    public static final String COMPLETION_RATE = "completion_bytes_per_s";
    /** Derived: a writer's accept rate from {@link #PROGRESS}. */
    public static final String WRITE_RATE = "write_bytes_per_s";

    /** One thing that happened during the run, at {@code tSec}. */
    public record Event(double tSec, String text) {
    }

    private final String scenario;
    private final String configuration;
    private final String[] columns;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();
    private double[] t = new double[256];
    private double[][] data;
    private int n;

    public Recording(String scenario, String configuration, List<String> columns) {
        this.scenario = scenario;
        this.configuration = configuration;
        this.columns = columns.toArray(new String[0]);
        for (int i = 0; i < this.columns.length; i++) {
            if (index.put(this.columns[i], i) != null) {
                throw new IllegalArgumentException("duplicate column " + this.columns[i]);
            }
        }
        data = new double[this.columns.length][256];
    }

    public String scenario() {
        return scenario;
    }

    public String configuration() {
        return configuration;
    }

    public List<String> columns() {
        return List.of(columns);
    }

    public boolean has(String column) {
        return index.containsKey(column);
    }

    /** Appends one sample; {@code row} is in {@link #columns()} order and copied. */
    public synchronized void add(double tSec, double[] row) {
        if (row.length != columns.length) {
            throw new IllegalArgumentException("row has " + row.length + " values, expected " + columns.length);
        }
        if (n == t.length) {
            int cap = t.length * 2;
            t = Arrays.copyOf(t, cap);
            for (int c = 0; c < data.length; c++) {
                data[c] = Arrays.copyOf(data[c], cap);
            }
        }
        t[n] = tSec;
        for (int c = 0; c < row.length; c++) {
            data[c][n] = row[c];
        }
        n++;
    }

    public synchronized void event(double tSec, String text) {
        events.add(new Event(tSec, text));
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized int size() {
        return n;
    }

    /** Sample times, seconds (a copy). */
    public synchronized double[] time() {
        return Arrays.copyOf(t, n);
    }

    /** A column's values (a copy); throws naming the known columns if absent. */
    public synchronized double[] column(String name) {
        Integer c = index.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no column " + name + " in " + scenario + "/" + configuration
                    + "; columns: " + index.keySet());
        }
        return Arrays.copyOf(data[c], n);
    }

    /** The device or writer names: the part before the first dot of each column, in order. */
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        for (String c : columns) {
            String s = c.substring(0, Math.max(0, c.indexOf('.')));
            if (!s.isEmpty() && !out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Writes the CSV: {@code t_s}, every column, then the derived rate columns (dirtying and
     * completion per device, write rate per writer, each over {@code rateWindowSec}). Missing
     * values are empty cells. Events go to a second file beside it, {@code <name>.events.csv}.
     */
    public void writeCsv(Path file, double rateWindowSec) throws IOException {
        double[] time = time();
        List<String> names = new ArrayList<>(List.of(columns));
        List<double[]> cols = new ArrayList<>();
        for (String c : columns) {
            cols.add(column(c));
        }
        for (String s : subjects()) {
            String completion = has(s + "." + BACKEND_WRITTEN) ? s + "." + BACKEND_WRITTEN : s + "." + WRITTEN;
            if (has(s + "." + DIRTIED)) {
                names.add(s + "." + DIRTYING_RATE);
                cols.add(Metrics.rate(time, column(s + "." + DIRTIED), rateWindowSec));
            }
            if (has(completion)) {
                names.add(s + "." + COMPLETION_RATE);
                cols.add(Metrics.rate(time, column(completion), rateWindowSec));
            }
            if (has(s + "." + PROGRESS)) {
                names.add(s + "." + WRITE_RATE);
                cols.add(Metrics.rate(time, column(s + "." + PROGRESS), rateWindowSec));
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("t_s");
            for (String c : names) {
                w.write(',');
                w.write(c);
            }
            w.write('\n');
            for (int i = 0; i < time.length; i++) {
                w.write(String.format(Locale.ROOT, "%.3f", time[i]));
                for (double[] col : cols) {
                    w.write(',');
                    w.write(cell(col[i]));
                }
                w.write('\n');
            }
        }
        Path ev = eventsFile(file);
        try (BufferedWriter w = Files.newBufferedWriter(ev, StandardCharsets.UTF_8)) {
            w.write("t_s,event\n");
            for (Event e : events()) {
                w.write(String.format(Locale.ROOT, "%.3f,\"%s\"%n", e.tSec(), e.text().replace("\"", "\"\"")));
            }
        }
    }

    /**
     * Reads back what {@link #writeCsv} wrote: the recorded columns (the derived rate columns are
     * left out, they are computed again from these) and the events file beside it, if any.
     */
    public static Recording readCsv(Path file, String scenario, String configuration) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).startsWith("t_s")) {
            throw new IOException(file + ": not a recording (no t_s header)");
        }
        String[] header = lines.get(0).split(",", -1);
        List<String> names = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int c = 1; c < header.length; c++) {
            if (!isDerived(header[c])) {
                names.add(header[c]);
                at.add(c);
            }
        }
        Recording r = new Recording(scenario, configuration, names);
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                continue;
            }
            String[] cells = lines.get(i).split(",", -1);
            if (cells.length != header.length) {
                throw new IOException(file + ":" + (i + 1) + ": " + cells.length + " cells, header has " + header.length);
            }
            double[] row = new double[names.size()];
            for (int c = 0; c < row.length; c++) {
                String v = cells[at.get(c)];
                row[c] = v.isEmpty() ? Double.NaN : Double.parseDouble(v);
            }
            r.add(Double.parseDouble(cells[0]), row);
        }
        Path ev = eventsFile(file);
        if (Files.exists(ev)) {
            List<String> evLines = Files.readAllLines(ev, StandardCharsets.UTF_8);
            for (String line : evLines.subList(Math.min(1, evLines.size()), evLines.size())) {
                int comma = line.indexOf(',');
                if (comma < 0) {
                    continue;
                }
                String text = line.substring(comma + 1);
                if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
                    text = text.substring(1, text.length() - 1).replace("\"\"", "\"");
                }
                r.event(Double.parseDouble(line.substring(0, comma)), text);
            }
        }
        return r;
    }

    private static boolean isDerived(String column) {
        return column.endsWith("." + DIRTYING_RATE) || column.endsWith("." + COMPLETION_RATE)
                || column.endsWith("." + WRITE_RATE);
    }

    /** {@code <name>.events.csv} beside {@code <name>.csv}. */
    static Path eventsFile(Path csv) {
        String fn = csv.getFileName().toString();
        return csv.resolveSibling(fn.endsWith(".csv") ? fn.substring(0, fn.length() - 4) + ".events.csv" : fn + ".events");
    }

    /** A CSV cell: integers without a fraction, NaN empty. */
    static String cell(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
