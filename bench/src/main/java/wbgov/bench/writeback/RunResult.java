package wbgov.bench.writeback;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario measured under one configuration: its recording (the time series), its
 * metric values by key, and notes a reader should see beside the numbers (a failed knob write,
 * a writer that timed out). A run that failed keeps its error and NaN metrics.
 */
public final class RunResult {
    private final Configuration configuration;
    private final Recording recording;
    private final Map<String, Double> values = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final java.util.Set<String> lowerBounds = new java.util.HashSet<>();
    private final java.util.Set<String> upperBounds = new java.util.HashSet<>();
    private final Map<String, double[]> spreads = new LinkedHashMap<>();
    private String error;
    private String csvFile;

    public RunResult(Configuration configuration, Recording recording) {
        this.configuration = configuration;
        this.recording = recording;
    }

    public Configuration configuration() {
        return configuration;
    }

    /** May be null (a run that failed before recording, or one without a time series). */
    public Recording recording() {
        return recording;
    }

    public RunResult put(String key, double value) {
        values.put(key, value);
        return this;
    }

    /**
     * A value known only as a lower bound: the wait was cut off at {@code value} (a sync that
     * would have taken minutes). The report prints it as "&gt; value".
     */
    public RunResult putAtLeast(String key, double value) {
        values.put(key, value);
        lowerBounds.add(key);
        return this;
    }

    public boolean isLowerBound(String key) {
        return lowerBounds.contains(key);
    }

    /** A value known only as an upper bound (a ratio over a time that was cut off); printed "&lt; value". */
    public RunResult putAtMost(String key, double value) {
        values.put(key, value);
        upperBounds.add(key);
        return this;
    }

    public boolean isUpperBound(String key) {
        return upperBounds.contains(key);
    }

    /**
     * The smallest and largest of the repeated measurements whose median was {@link #put}: the
     * report prints them beside it, "0.38 s (0.36–0.41)". Why: one sub-second timing on a shared
     * machine swings too much to stand alone.
     */
    public RunResult spread(String key, double min, double max) {
        spreads.put(key, new double[] {min, max});
        return this;
    }

    /** {min, max} of the repeated measurements behind a value, null when it was measured once. */
    public double[] spread(String key) {
        double[] s = spreads.get(key);
        return s == null ? null : s.clone();
    }

    /** The value, NaN when not measured. */
    public double get(String key) {
        Double v = values.get(key);
        return v == null ? Double.NaN : v;
    }

    public Map<String, Double> values() {
        return values;
    }

    public void note(String text) {
        notes.add(text);
    }

    public List<String> notes() {
        return notes;
    }

    public void fail(String message) {
        error = message;
    }

    public String error() {
        return error;
    }

    public String csvFile() {
        return csvFile;
    }

    public void csvFile(String name) {
        csvFile = name;
    }
}
