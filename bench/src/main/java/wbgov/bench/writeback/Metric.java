package wbgov.bench.writeback;

import java.util.Locale;

/**
 * One number the report shows for each configuration: its key ("P1"), what it is, its unit, and
 * the target when it has one. Targets are stated beside the measurement, never asserted
 * in tests: a benchmark that fails the build on a slow day teaches people to ignore it.
 *
 * @param key short id, e.g. "P1" or "fast_s"
 * @param label what it measures, one line
 * @param unit "x" for a ratio, "s", "MiB/s", "%"…
 * @param target the target or null
 */
public record Metric(String key, String label, String unit, Target target) {

    /** A target: value at least / at most {@code bound}. */
    public record Target(boolean atLeast, double bound) {
        public static Target atLeast(double b) {
            return new Target(true, b);
        }

        public static Target atMost(double b) {
            return new Target(false, b);
        }

        /** Whether {@code v} meets it; NaN never does. */
        public boolean met(double v) {
            return !Double.isNaN(v) && (atLeast ? v >= bound : v <= bound);
        }

        public String text(String unit) {
            return (atLeast ? "≥ " : "≤ ") + Report.number(bound) + ("x".equals(unit) ? "" : " " + unit);
        }
    }

    public static Metric of(String key, String label, String unit) {
        return new Metric(key, label, unit, null);
    }

    public static Metric of(String key, String label, String unit, Target target) {
        return new Metric(key, label, unit, target);
    }

    /** The value as the report prints it: "0.97", "12.3 s", "—" for NaN, "∞" for infinity. */
    public String format(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (Double.isInfinite(v)) {
            return "∞";
        }
        String n = Report.number(v);
        return "x".equals(unit) ? n : String.format(Locale.ROOT, "%s %s", n, unit);
    }
}
