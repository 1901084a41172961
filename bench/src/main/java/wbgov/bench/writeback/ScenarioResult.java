package wbgov.bench.writeback;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scenario's part of the report: what it does, its exact parameters, the metrics it
 * defines, one {@link RunResult} per configuration, and its plot.
 */
public final class ScenarioResult {
    private final String name;
    private final String title;
    private final String description;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final List<Metric> metrics = new ArrayList<>();
    private final List<RunResult> runs = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String plotFile;
    private String error;
    private double seconds;
    private double lockWaitSeconds;

    public ScenarioResult(String name, String title, String description) {
        this.name = name;
        this.title = title;
        this.description = description;
    }

    public String name() {
        return name;
    }

    public String title() {
        return title;
    }

    public String description() {
        return description;
    }

    public ScenarioResult param(String key, Object value) {
        parameters.put(key, String.valueOf(value));
        return this;
    }

    public Map<String, String> parameters() {
        return parameters;
    }

    public ScenarioResult metric(Metric m) {
        metrics.add(m);
        return this;
    }

    public List<Metric> metrics() {
        return metrics;
    }

    public void add(RunResult r) {
        runs.add(r);
    }

    public List<RunResult> runs() {
        return runs;
    }

    public RunResult run(Configuration c) {
        for (RunResult r : runs) {
            if (r.configuration() == c) {
                return r;
            }
        }
        return null;
    }

    public void note(String n) {
        notes.add(n);
    }

    public List<String> notes() {
        return notes;
    }

    public String plotFile() {
        return plotFile;
    }

    public void plotFile(String f) {
        plotFile = f;
    }

    public String error() {
        return error;
    }

    public void fail(String e) {
        error = e;
    }

    public double seconds() {
        return seconds;
    }

    public void seconds(double s) {
        seconds = s;
    }

    /** Seconds spent waiting for another run's machine lock before starting (not in {@link #seconds()}). */
    public double lockWaitSeconds() {
        return lockWaitSeconds;
    }

    public void lockWaitSeconds(double s) {
        lockWaitSeconds = s;
    }
}
