package wbgov.bench.writeback;

import java.util.Arrays;

/**
 * The arithmetic behind every number in the report, on plain arrays: pure functions, no I/O,
 * no clock, so each can be checked against a hand-made series.
 *
 * <p>Conventions: {@code t} is sample time in seconds, ascending; a cumulative series ({@code
 * cum}: bytes written so far) is read between samples by linear interpolation, and is held
 * flat outside the sampled range. NaN means "not known" and is skipped where a statistic is
 * taken over values.
 */
public final class Metrics {
    private Metrics() {
    }

    /**
     * Rate of a cumulative series, per sample: {@code (cum[i] - cum[j]) / (t[i] - t[j])} with
     * {@code j} the latest sample at least {@code windowSec} before {@code i} (the first sample
     * when none is). Why a window and not the last delta: at 10 Hz one 4 MiB folio more or less
     * in a sample swings a slow device's rate by 40 MB/s; half a second keeps the shape and
     * drops that noise. Rate 0 at the first sample.
     */
    public static double[] rate(double[] t, double[] cum, double windowSec) {
        double[] out = new double[t.length];
        int j = 0;
        for (int i = 0; i < t.length; i++) {
            while (j + 1 < i && t[i] - t[j + 1] >= windowSec) {
                j++;
            }
            double dt = t[i] - t[j];
            out[i] = i == 0 || dt <= 0 ? 0 : (cum[i] - cum[j]) / dt;
        }
        return out;
    }

    /** A cumulative series at time {@code tq}, linearly interpolated; clamped outside the samples. */
    public static double valueAt(double[] t, double[] cum, double tq) {
        if (t.length == 0) {
            return Double.NaN;
        }
        if (tq <= t[0]) {
            return cum[0];
        }
        if (tq >= t[t.length - 1]) {
            return cum[t.length - 1];
        }
        int hi = Arrays.binarySearch(t, tq);
        if (hi >= 0) {
            return cum[hi];
        }
        hi = -hi - 1;
        int lo = hi - 1;
        double f = (tq - t[lo]) / (t[hi] - t[lo]);
        return cum[lo] + f * (cum[hi] - cum[lo]);
    }

    /** Mean rate of a cumulative series between {@code t0} and {@code t1} (bytes/s); NaN for an empty span. */
    public static double throughput(double[] t, double[] cum, double t0, double t1) {
        if (!(t1 > t0)) {
            return Double.NaN;
        }
        return (valueAt(t, cum, t1) - valueAt(t, cum, t0)) / (t1 - t0);
    }

    /**
     * Throughput of a counter that rises in steps (whole requests: the bundled server counts a
     * write when it completes, and a 1 MiB/s backend completes one 1 MiB request a second), over
     * [t0, t1]. The plain {@link #throughput} is off by up to one step over the window (±20 % for
     * 5 s at one step a second); this one measures from the first step in the window to the last,
     * (v(last) − v(first)) / (t_last − t_first), i.e. whole steps over whole intervals. It falls
     * back to the plain figure when there are fewer than 3 steps or when the gap at either edge
     * of the window is more than 1.5 × the mean interval — a device that stood still at an edge
     * must not be measured as if it had not.
     */
    public static double steppedThroughput(double[] t, double[] cum, double t0, double t1) {
        double plain = throughput(t, cum, t0, t1);
        double first = Double.NaN;
        double last = Double.NaN;
        double vFirst = 0;
        double vLast = 0;
        int steps = 0;
        for (int i = 1; i < t.length; i++) {
            if (t[i] < t0 || t[i] > t1 || !(cum[i] > cum[i - 1])) {
                continue;
            }
            if (steps == 0) {
                first = t[i];
                vFirst = cum[i];
            }
            last = t[i];
            vLast = cum[i];
            steps++;
        }
        if (steps < 3 || !(last > first)) {
            return plain;
        }
        double gap = (last - first) / (steps - 1);
        if (first - t0 > 1.5 * gap || t1 - last > 1.5 * gap) {
            return plain;
        }
        return (vLast - vFirst) / (last - first);
    }

    /**
     * Nearest-rank percentile ({@code p} in 0..100) of the non-NaN values: the smallest value
     * with at least p % of the values at or below it. NaN when there is none. Infinity counts
     * (a stalled device's drain time is infinite, and must push p99 up, not vanish).
     */
    public static double percentile(double[] values, double p) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    /** The values whose time lies in [{@code from}, {@code to}]. */
    public static double[] window(double[] t, double[] v, double from, double to) {
        int a = 0;
        while (a < t.length && t[a] < from) {
            a++;
        }
        int b = a;
        while (b < t.length && t[b] <= to) {
            b++;
        }
        return Arrays.copyOfRange(v, a, b);
    }

    /** Element-wise sum; NaN in any input gives NaN there. */
    public static double[] sum(double[]... series) {
        double[] out = new double[series[0].length];
        for (double[] s : series) {
            for (int i = 0; i < out.length; i++) {
                out[i] += s[i];
            }
        }
        return out;
    }

    /**
     * Drain time per sample: what a device holds (dirty + writeback, bytes) over the rate it can
     * write (bytes/s). A rate of 0 with something held is infinite; nothing held is 0 s.
     */
    public static double[] drainSeconds(double[] heldBytes, double[] rateBytesPerSec) {
        double[] out = new double[heldBytes.length];
        for (int i = 0; i < out.length; i++) {
            double h = heldBytes[i];
            double r = rateBytesPerSec[i];
            out[i] = Double.isNaN(h) || Double.isNaN(r) ? Double.NaN
                    : h <= 0 ? 0 : r <= 0 ? Double.POSITIVE_INFINITY : h / r;
        }
        return out;
    }

    /**
     * Seconds in [{@code from}, {@code to}] during which a cumulative series did not grow: the
     * span is cut into whole bins of {@code binSec} from {@code from} (a partial last bin is
     * dropped), and every bin in which the series grew by nothing counts whole. Why bins and
     * not samples: a device that completes one 1 MiB request per 300 ms is making progress,
     * although two of three 100 ms samples see no change.
     */
    public static double zeroProgressSeconds(double[] t, double[] cum, double from, double to, double binSec) {
        int bins = (int) Math.floor((to - from) / binSec + 1e-9);
        int zero = 0;
        for (int k = 0; k < bins; k++) {
            double a = from + k * binSec;
            double b = a + binSec;
            if (valueAt(t, cum, b) - valueAt(t, cum, a) <= 0) {
                zero++;
            }
        }
        return zero * binSec;
    }

    /**
     * Like {@link #zeroProgressSeconds} over several devices at once: a bin counts when any of
     * them grew by nothing in it (each bin counts once, however many devices stalled in it).
     */
    public static double zeroProgressSecondsAny(double[] t, java.util.List<double[]> cums, double from, double to,
            double binSec) {
        int bins = (int) Math.floor((to - from) / binSec + 1e-9);
        int zero = 0;
        for (int k = 0; k < bins; k++) {
            double a = from + k * binSec;
            double b = a + binSec;
            for (double[] cum : cums) {
                if (valueAt(t, cum, b) - valueAt(t, cum, a) <= 0) {
                    zero++;
                    break;
                }
            }
        }
        return zero * binSec;
    }

    /**
     * Seconds from {@code tChange} until a series comes within {@code bound} and stays there up
     * to {@code tEnd}: the time of the first sample after the last one above the bound, minus
     * {@code tChange}; 0 when no sample in the span is above. NaN when the last sample of the
     * span is still above (it never re-converged within the span). NaN samples count as above.
     */
    public static double reconvergeSeconds(double[] t, double[] v, double tChange, double tEnd, double bound) {
        int last = -1;
        int end = -1;
        for (int i = 0; i < t.length; i++) {
            if (t[i] < tChange || t[i] > tEnd) {
                continue;
            }
            end = i;
            if (!(v[i] <= bound)) {
                last = i;
            }
        }
        if (end < 0) {
            return Double.NaN;
        }
        if (last < 0) {
            return 0;
        }
        if (last == end) {
            return Double.NaN;
        }
        return t[last + 1] - tChange;
    }

    /** Smallest non-NaN value, NaN when none. */
    public static double min(double[] v) {
        double m = Double.NaN;
        for (double x : v) {
            if (!Double.isNaN(x) && (Double.isNaN(m) || x < m)) {
                m = x;
            }
        }
        return m;
    }

    /** Largest non-NaN value, NaN when none. */
    public static double max(double[] v) {
        double m = Double.NaN;
        for (double x : v) {
            if (!Double.isNaN(x) && (Double.isNaN(m) || x > m)) {
                m = x;
            }
        }
        return m;
    }

    /** a / b, NaN when either is NaN or b is 0. */
    public static double ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
    }
}
