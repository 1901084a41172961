package wbgov.governor.daemon;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long the duty cycle's ticks take: cumulative counts per fixed bucket, the sum and the
 * count, as a Prometheus histogram has them. One writer (the duty cycle), any number of readers
 * (status, scrapes); {@link #record} allocates nothing and never waits (Agrona's counters over
 * logs: {@code lazySet} publishes each count, a reader may see one tick's count before its sum).
 *
 * <p>Bucket bounds, seconds: 100 µs … 1 s. A tick reads one file per busy device (≈ 10 µs
 * each) and writes knobs only on change: 32 quiet devices measured ≈ 300 µs a tick
 * (bench/results/2026-11-27-full, overhead); a tick over 100 ms eats the next interval.
 */
public final class TickDurations {
    /** Upper bounds of the buckets, in seconds (a last one, +∞, is implied). */
    static final double[] BOUNDS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25, 1.0};
    private static final long[] BOUNDS_NS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    /** Per bucket, not cumulative; the last is over the last bound. */
    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_SECONDS.length + 1);
    private final AtomicLongArray sumAndCount = new AtomicLongArray(2);

    /** Records one tick that took {@code ns} nanoseconds. */
    public void record(long ns) {
        int i = 0;
        while (i < BOUNDS_NS.length && ns > BOUNDS_NS[i]) {
            i++;
        }
        counts.lazySet(i, counts.get(i) + 1);
        sumAndCount.lazySet(0, sumAndCount.get(0) + Math.max(0, ns));
        sumAndCount.lazySet(1, sumAndCount.get(1) + 1);
    }

    /** A copy for a reader. */
    public Reading read() {
        long[] c = new long[BOUNDS_SECONDS.length + 1];
        long cum = 0;
        for (int i = 0; i < c.length; i++) {
            cum += counts.get(i);
            c[i] = cum;
        }
        return new Reading(BOUNDS_SECONDS.clone(), c, sumAndCount.get(0) / 1e9, sumAndCount.get(1));
    }

    /**
     * One reading.
     *
     * @param upperBoundsSeconds each bucket's upper bound (the +∞ bucket not included)
     * @param cumulativeCounts ticks at or under each bound; the last entry (one more than the
     *     bounds) is every tick
     * @param sumSeconds the time all ticks took
     * @param count ticks recorded
     */
    public record Reading(double[] upperBoundsSeconds, long[] cumulativeCounts, double sumSeconds, long count) {
    }
}
