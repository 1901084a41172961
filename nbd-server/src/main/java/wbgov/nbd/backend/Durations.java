package wbgov.nbd.backend;

/** Durations as people type them: "20ms", "1.5s", "500us", "2m"; a bare number is milliseconds. */
public final class Durations {
    private Durations() {
    }

    /** Parses to nanoseconds; IllegalArgumentException names the text and the expected form. */
    public static long parseNanos(String text) {
        String t = text.trim().toLowerCase();
        long unit;
        String num;
        if (t.endsWith("ns")) {
            unit = 1L;
            num = t.substring(0, t.length() - 2);
        } else if (t.endsWith("us") || t.endsWith("µs")) {
            unit = 1_000L;
            num = t.substring(0, t.length() - 2);
        } else if (t.endsWith("ms")) {
            unit = 1_000_000L;
            num = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = 1_000_000_000L;
            num = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000_000_000L;
            num = t.substring(0, t.length() - 1);
        } else {
            unit = 1_000_000L;
            num = t;
        }
        try {
            double v = Double.parseDouble(num);
            if (v < 0) {
                throw new IllegalArgumentException("'" + text + "': a duration must be ≥ 0");
            }
            if (Double.isNaN(v) || Double.isInfinite(v) || num.contains("e")) {
                throw new NumberFormatException();
            }
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (expected e.g. 20ms, 1.5s, 500us, 2m)");
        }
    }
}
