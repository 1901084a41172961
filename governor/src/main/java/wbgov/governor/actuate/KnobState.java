package wbgov.governor.actuate;

/**
 * What the kernel keeps for a bdi, read back after every write: the governor uses these, not
 * what it asked for (byte knobs are stored as a ratio of the global dirty threshold).
 *
 * @param maxBytes max_bytes now (-1 where the kernel has no byte knobs: derived from the ratio
 *     and the global threshold then)
 * @param minBytes min_bytes now
 * @param maxRatioPpm max_ratio_fine (parts per million), or max_ratio × 10 000
 * @param minRatioPpm min_ratio_fine, or min_ratio × 10 000
 * @param strict strict_limit
 * @param globalThreshBytes the global dirty threshold when read (nr_dirty_threshold × page)
 * @param byteKnobs whether the kernel has max_bytes/min_bytes (6.2+)
 * @param pageSizeBytes the kernel page size
 * @param ratioStepPpm the kernel's ratio granularity: 1 ppm where it has {@code max_ratio_fine}
 *     (6.2+; {@code max_bytes} is stored through it), 10 000 ppm (a whole percent) before
 */
public record KnobState(long maxBytes, long minBytes, long maxRatioPpm, long minRatioPpm, boolean strict,
        long globalThreshBytes, boolean byteKnobs, long pageSizeBytes, long ratioStepPpm) {

    /**
     * How far a limit may read back from what was written, bytes: one ratio step of the global
     * threshold (the ratio is floored) plus two pages (bytes are truncated to pages on the way in
     * and on the way out). On a whole-percent kernel (before 6.2) a step is 1 % of the threshold:
     * a target between two steps can never be met, and must not count as a drift every check.
     */
    public long quantumBytes() {
        return quantumBytes(globalThreshBytes, ratioStepPpm, pageSizeBytes);
    }

    /** {@link #quantumBytes()} on primitives, for the governor's allocation-free drift check. */
    public static long quantumBytes(long globalThreshBytes, long ratioStepPpm, long pageSizeBytes) {
        return (globalThreshBytes * ratioStepPpm + 999_999) / 1_000_000 + 2 * pageSizeBytes;
    }
}
