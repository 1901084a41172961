package wbgov.governor.estimate;

/**
 * How long a device needs to write out what it holds: {@code (dirty + writeback) / rate}. The
 * quantity a user feels: sync, umount and safe eject wait this long, and this much data is at
 * risk if the link drops. Every division guarded: nothing held drains in 0; something held
 * with no known speed never drains (+∞ / {@link Long#MAX_VALUE}).
 */
public final class DrainTime {
    /** Rates below this (bytes per second) count as no progress at all. */
    public static final double MIN_RATE_BYTES_PER_SEC = 1.0;

    private DrainTime() {
    }

    /** Seconds to drain {@code heldBytes} at {@code rateBytesPerSec}; +∞ when stuck. */
    public static double seconds(long heldBytes, double rateBytesPerSec) {
        if (heldBytes <= 0) {
            return 0.0;
        }
        if (!(rateBytesPerSec >= MIN_RATE_BYTES_PER_SEC)) { // also catches NaN
            return Double.POSITIVE_INFINITY;
        }
        return heldBytes / rateBytesPerSec;
    }

    /** Nanoseconds to drain, saturating at {@link Long#MAX_VALUE} when stuck or absurdly long. */
    public static long nanos(long heldBytes, double rateBytesPerSec) {
        double ns = seconds(heldBytes, rateBytesPerSec) * 1e9;
        return ns >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) ns;
    }

    /** Held bytes from a dirty and a writeback count, where -1 means "unknown" (counted as 0). */
    public static long heldBytes(long dirtyBytes, long writebackBytes) {
        return Math.max(0, dirtyBytes) + Math.max(0, writebackBytes);
    }
}
