package wbgov.nbd.units;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Sizes and durations as people type them, and back: the one grammar of wbgov, the same on the
 * command line ({@code serve --rate 1M --latency 20ms}), on the control socket ({@code set
 * inflight-bytes 16M}), in backend specs ({@code memory:1G}), in policy files ({@code floor =
 * "2M"}) and in the bench ({@code --budget 256M}). It lives here, in the lowest module that
 * parses one, so that every module above sees the same class.
 *
 * <h2>Sizes: {@link #parseBytes}</h2>
 * <pre>
 *   SIZE   = NUMBER [SUFFIX]                     blanks around and between are ignored
 *   NUMBER = DIGITS ["." DIGITS]                 decimal: no sign, no exponent, no hex
 *   SUFFIX = B | K | M | G | T, where K/M/G/T may be followed by i, B or iB; any case
 * </pre>
 * K, M, G and T are powers of 1024 however they are spelt: {@code 16M} = {@code 16MiB} =
 * {@code 16MB} = {@code 16m} = 16777216 (wbgov has no powers of 1000). No suffix or {@code B}
 * is bytes. The value must come out a whole number of bytes, never rounded: {@code 1.5K} =
 * 1536, while {@code 0.3K} (307.2 bytes) and {@code 1.5} are refused. At most 2^62 bytes
 * (4194304T). Examples refused: {@code ""}, {@code M}, {@code .5M}, {@code 1.M}, {@code +1},
 * {@code 1e9}, {@code 0x10}, {@code 16X}, {@code 1KK}, and {@code -1M} ("must be ≥ 0").
 *
 * <h2>Durations: {@link #parseDurationNs}</h2>
 * <pre>
 *   DURATION = NUMBER UNIT | zero                 blanks around and between are ignored
 *   UNIT     = ns | us | µs | ms | s | m | min | h     exactly so, lower case
 * </pre>
 * {@code m} and {@code min} are minutes. A unit is required, because {@code 20} could mean
 * seconds or milliseconds; only zero ({@code 0}, {@code 0.0}) may stand alone, being zero in every
 * unit. Upper case is refused ({@code 2M} would read as mega). The value is rounded to the
 * nearest nanosecond, halves up ({@code 1.5ns} = 2 ns). At most 2^62 ns (about 146 years).
 * Examples refused: {@code 20}, {@code s}, {@code 2 sec}, {@code 2S}, {@code 20MS}, and
 * {@code -1ms} ("must be ≥ 0").
 *
 * <h2>Errors</h2>
 * {@link IllegalArgumentException} whose message quotes the text and says the expected form
 * (the policy parser puts file:line in front of it as it is): {@code expected a size like
 * "4096", "512K", "16M", "1.5G" (K/M/G/T: powers of 1024), got "16X"}; a negative value says
 * {@code size "-1M" must be ≥ 0}.
 *
 * <h2>Formatting</h2>
 * {@link #formatBytes} and {@link #formatDurationNs} write values in this grammar, exact where
 * the value is a whole number of the unit chosen, so that what a log line or an error shows can
 * be typed back.
 */
public final class Units {
    /** How a size must look, for error messages. */
    public static final String SIZE_FORM = "a size like \"4096\", \"512K\", \"16M\", \"1.5G\" (K/M/G/T: powers of 1024)";
    /** How a duration must look, for error messages. */
    public static final String DURATION_FORM = "a duration like \"500ms\", \"2s\", \"1m\" (units ns, us, ms, s, m, h)";

    /** The largest size or duration accepted: 2^62, leaving headroom for sums. */
    public static final long MAX = 1L << 62;

    private static final BigDecimal MAX_DECIMAL = BigDecimal.valueOf(MAX);

    private Units() {
    }

    /** {@link #parseBytes(String)}, its error message prefixed with {@code what} (an option, a key): "--rate: …". */
    public static long parseBytes(String what, String text) {
        return prefixed(what, () -> parseBytes(text));
    }

    /** {@link #parseDurationNs(String)}, its error message prefixed with {@code what}: "--latency: …". */
    public static long parseDurationNs(String what, String text) {
        return prefixed(what, () -> parseDurationNs(text));
    }

    /** Parses a size to bytes, by the grammar above. */
    public static long parseBytes(String text) {
        Quantity q = Quantity.of(text, SIZE_FORM);
        int shift = switch (q.unit.toUpperCase(Locale.ROOT)) {
            case "", "B" -> 0;
            case "K", "KI", "KB", "KIB" -> 10;
            case "M", "MI", "MB", "MIB" -> 20;
            case "G", "GI", "GB", "GIB" -> 30;
            case "T", "TI", "TB", "TIB" -> 40;
            default -> throw q.malformed("");
        };
        BigDecimal bytes = q.times(1L << shift, "size", "too large (at most 2^62 bytes, 4194304T)");
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("size \"" + text + "\" is not a whole number of bytes ("
                    + bytes.stripTrailingZeros().toPlainString() + ")");
        }
        return bytes.longValueExact();
    }

    /** Parses a duration to nanoseconds, by the grammar above. */
    public static long parseDurationNs(String text) {
        Quantity q = Quantity.of(text, DURATION_FORM);
        long nsPerUnit = switch (q.unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m", "min" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "" -> {
                if (q.number.signum() == 0) {
                    yield 1L;
                }
                String n = q.number.toPlainString();
                throw q.malformed(" (a number needs its unit: \"" + n + "ms\" or \"" + n + "s\"?)");
            }
            default -> throw q.malformed("");
        };
        return q.times(nsPerUnit, "duration", "too long (at most 2^62 ns, about 146 years)")
                .setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /**
     * Bytes in the largest of B, K, M, G, T that leaves at least 1: {@code 4096} → "4K",
     * {@code 16 << 20} → "16M", 1000 → "1000"; exact when a whole number of that unit, else one
     * decimal, rounded ({@code 3 << 29} → "1.5G", 1100000 → "1.0M"). Negative values keep their
     * sign ("-16M").
     */
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

    /**
     * Nanoseconds in the largest of ns, us, ms, s that leaves at least 1, with up to three
     * decimals and no trailing zeros: "2s", "1.5s", "500ms", "20ms", "1.25ms", "250us", "0ns";
     * exact whenever the value is a whole number of the next smaller unit (so "1.234567s" shows
     * as "1.235s"). Negative values keep their sign.
     */
    public static String formatDurationNs(long ns) {
        long abs = Math.abs(ns);
        long unitNs;
        String unit;
        if (abs >= 1_000_000_000L) {
            unitNs = 1_000_000_000L;
            unit = "s";
        } else if (abs >= 1_000_000L) {
            unitNs = 1_000_000L;
            unit = "ms";
        } else if (abs >= 1_000L) {
            unitNs = 1_000L;
            unit = "us";
        } else {
            return ns + "ns";
        }
        BigDecimal v = BigDecimal.valueOf(ns).divide(BigDecimal.valueOf(unitNs)).setScale(3, RoundingMode.HALF_UP);
        return v.stripTrailingZeros().toPlainString() + unit;
    }

    private static long prefixed(String what, LongSupplier parse) {
        try {
            return parse.getAsLong();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /** A text split into its number and unit, as typed; {@code negative} when a minus led it. */
    private record Quantity(String text, String form, boolean negative, BigDecimal number, String unit) {
        static Quantity of(String text, String form) {
            String t = text.strip();
            boolean negative = t.startsWith("-");
            String unsigned = negative ? t.substring(1).strip() : t;
            int end = numberEnd(unsigned);
            if (end == 0) {
                throw new IllegalArgumentException("expected " + form + ", got \"" + text + "\"");
            }
            return new Quantity(text, form, negative, new BigDecimal(unsigned.substring(0, end)),
                    unsigned.substring(end).strip());
        }

        IllegalArgumentException malformed(String hint) {
            return new IllegalArgumentException("expected " + form + ", got \"" + text + "\"" + hint);
        }

        /** number × {@code factor}, once the unit is known good: refuses a negative or too large value. */
        BigDecimal times(long factor, String what, String tooLarge) {
            if (negative) {
                throw new IllegalArgumentException(what + " \"" + text + "\" must be ≥ 0");
            }
            BigDecimal v = number.multiply(BigDecimal.valueOf(factor));
            if (v.compareTo(MAX_DECIMAL) > 0) {
                throw new IllegalArgumentException(what + " \"" + text + "\" is " + tooLarge);
            }
            return v;
        }
    }

    /** Index just past a leading DIGITS ["." DIGITS] ("1.5" in "1.5G"); 0 when there is none. */
    private static int numberEnd(String t) {
        int i = 0;
        while (i < t.length() && isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return 0;
        }
        if (i < t.length() && t.charAt(i) == '.') {
            int j = i + 1;
            while (j < t.length() && isDigit(t.charAt(j))) {
                j++;
            }
            return j > i + 1 ? j : 0;
        }
        return i;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
