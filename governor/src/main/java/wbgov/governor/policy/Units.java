package wbgov.governor.policy;

import java.util.Locale;

/**
 * Sizes and durations as an admin writes them in a policy file, and back.
 *
 * <p>Sizes: a plain byte count ({@code 4096}) or a number with a binary suffix {@code K},
 * {@code M}, {@code G}, {@code T} (powers of 1024, an optional trailing {@code i} or
 * {@code iB}/{@code B} is accepted: {@code 16M}, {@code 16MiB}, {@code 1.5G}). Durations: a
 * number with a unit {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}
 * ({@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 1m}); a bare number is refused because
 * "2" could mean seconds or milliseconds. Parsing throws {@link IllegalArgumentException}
 * whose message names the expected form, so the parser can report it as is.
 */
public final class Units {
    /** How a size must look, for error messages. */
    public static final String SIZE_FORM = "a size like \"4096\", \"512K\", \"16M\", \"1.5G\"";
    /** How a duration must look, for error messages. */
    public static final String DURATION_FORM = "a duration like \"500ms\", \"2s\", \"1m\"";

    private Units() {
    }

    /** Parses a size in bytes; rejects negatives, fractions of a byte and overflow. */
    public static long parseBytes(String text) {
        String t = text.trim();
        int end = numberEnd(t);
        if (end == 0) {
            throw new IllegalArgumentException("expected " + SIZE_FORM + ", got \"" + text + "\"");
        }
        String unit = t.substring(end).trim();
        long multiplier = switch (unit.toUpperCase(Locale.ROOT)) {
            case "", "B" -> 1L;
            case "K", "KI", "KIB", "KB" -> 1L << 10;
            case "M", "MI", "MIB", "MB" -> 1L << 20;
            case "G", "GI", "GIB", "GB" -> 1L << 30;
            case "T", "TI", "TIB", "TB" -> 1L << 40;
            default -> throw new IllegalArgumentException(
                    "expected " + SIZE_FORM + " (K/M/G/T are powers of 1024), got \"" + text + "\"");
        };
        double value = Double.parseDouble(t.substring(0, end));
        double bytes = value * multiplier;
        if (bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("size \"" + text + "\" is too large");
        }
        if (bytes != Math.rint(bytes)) {
            throw new IllegalArgumentException("size \"" + text + "\" is not a whole number of bytes");
        }
        return (long) bytes;
    }

    /** Parses a duration into nanoseconds; a unit is required. */
    public static long parseDurationNs(String text) {
        String t = text.trim();
        int end = numberEnd(t);
        if (end == 0 || end == t.length()) {
            throw new IllegalArgumentException("expected " + DURATION_FORM + ", got \"" + text + "\"");
        }
        String unit = t.substring(end).trim();
        long nsPerUnit = switch (unit) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m", "min" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalArgumentException("expected " + DURATION_FORM
                    + " (units ns, us, ms, s, m, h), got \"" + text + "\"");
        };
        double ns = Double.parseDouble(t.substring(0, end)) * nsPerUnit;
        if (ns > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("duration \"" + text + "\" is too long");
        }
        return Math.round(ns);
    }

    /** "16M", "1.5G", "4096" — the shortest exact-enough form, for logs and explain. */
    public static String formatBytes(long bytes) {
        String[] units = {"", "K", "M", "G", "T"};
        double v = bytes;
        int u = 0;
        while (u < units.length - 1 && Math.abs(v) >= 1024) {
            v /= 1024;
            u++;
        }
        if (v == Math.rint(v)) {
            return (long) v + units[u];
        }
        return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }

    /** "2s", "500ms", "1.5s" — for logs and explain. */
    public static String formatDurationNs(long ns) {
        if (ns >= 1_000_000_000L) {
            double s = ns / 1e9;
            return s == Math.rint(s) ? (long) s + "s" : String.format(Locale.ROOT, "%.2fs", s);
        }
        if (ns >= 1_000_000L) {
            double ms = ns / 1e6;
            return ms == Math.rint(ms) ? (long) ms + "ms" : String.format(Locale.ROOT, "%.1fms", ms);
        }
        return ns + "ns";
    }

    /** Index just past a leading unsigned decimal number ("1.5" in "1.5G"); 0 when none. */
    private static int numberEnd(String t) {
        int i = 0;
        boolean digits = false;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
            digits = true;
        }
        if (i < t.length() && t.charAt(i) == '.') {
            int j = i + 1;
            boolean fraction = false;
            while (j < t.length() && Character.isDigit(t.charAt(j))) {
                j++;
                fraction = true;
            }
            if (fraction) {
                return digits ? j : 0;
            }
        }
        return digits ? i : 0;
    }
}
