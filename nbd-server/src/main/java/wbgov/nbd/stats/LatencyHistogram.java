package wbgov.nbd.stats;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Completion latencies in microseconds, in log-linear buckets: 8 sub-buckets per power of two,
 * so a percentile is exact to within 12.5 %. Recording is one atomic add into a fixed array:
 * no allocation, safe from any thread. Values at or above 2^40 µs land in the last bucket.
 *
 * <pre>
 *   v &lt; 8          → bucket v
 *   v = 2^e·(1+s/8)  → bucket 8 + (e-3)·8 + s        (e ≥ 3, s in 0..7)
 * </pre>
 */
public final class LatencyHistogram {
    private static final int SUB = 8;
    private static final int MAX_EXP = 40;
    static final int BUCKETS = SUB + (MAX_EXP - 3 + 1) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    static int bucketOf(long micros) {
        if (micros < SUB) {
            return (int) Math.max(0, micros);
        }
        int e = 63 - Long.numberOfLeadingZeros(micros);
        if (e > MAX_EXP) {
            return BUCKETS - 1;
        }
        int s = (int) ((micros >>> (e - 3)) & (SUB - 1));
        return SUB + (e - 3) * SUB + s;
    }

    /**
     * Upper bound (exclusive) of a bucket, in µs: what a percentile in it reports, and where the
     * Prometheus histogram puts it (the metrics' coarser buckets are powers of two, which are
     * bounds of this one: no count is split).
     */
    public static long upperBoundOf(int bucket) {
        if (bucket < SUB) {
            return bucket + 1;
        }
        int e = (bucket - SUB) / SUB + 3;
        int s = (bucket - SUB) % SUB;
        return (1L << e) + ((long) (s + 1) << (e - 3));
    }

    public void record(long micros) {
        counts.incrementAndGet(bucketOf(micros));
    }

    /** Copies the counts into {@code out} (length ≥ {@link #bucketCount()}). */
    public void snapshot(long[] out) {
        for (int i = 0; i < BUCKETS; i++) {
            out[i] = counts.get(i);
        }
    }

    public static int bucketCount() {
        return BUCKETS;
    }

    /**
     * The {@code q}-quantile (0..1) of a snapshot, or of the difference of two (recent - older),
     * in µs; 0 when empty.
     */
    public static long quantile(long[] recent, long[] older, double q) {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += recent[i] - (older == null ? 0 : older[i]);
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += recent[i] - (older == null ? 0 : older[i]);
            if (seen >= rank && seen > 0) {
                return upperBoundOf(i);
            }
        }
        return upperBoundOf(BUCKETS - 1);
    }
}
