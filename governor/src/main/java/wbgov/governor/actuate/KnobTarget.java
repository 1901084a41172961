package wbgov.governor.actuate;

/**
 * What the governor wants a bdi to have: byte limits (kept in bytes by the caller, because the
 * kernel stores them as a fraction of a threshold that drifts) and strict mode.
 *
 * @param maxBytes the bdi's dirty allowance, bytes, &gt; 0
 * @param minBytes its reserved share, bytes, 0 ≤ minBytes ≤ maxBytes
 * @param strict {@code strict_limit}: enforce the limit even below the global freerun point
 */
public record KnobTarget(long maxBytes, long minBytes, boolean strict) {
    public KnobTarget {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        if (minBytes < 0) {
            throw new IllegalArgumentException("minBytes must be >= 0, got " + minBytes);
        }
        if (minBytes > maxBytes) {
            throw new IllegalArgumentException("minBytes " + minBytes + " > maxBytes " + maxBytes
                    + ": the kernel never accepts min above max");
        }
    }
}
