package wbgov.governor.control;

/**
 * Whether a device is <em>backlogged</em>: its writers are being throttled on it, so its
 * writers' throughput is the device's whatever the allowance above what keeps it busy. Then
 * the law holds r · B (the backlog target) instead of r · T (the drain target): every byte more
 * would only lengthen the queue that sync, umount and eject wait for, and after a slowdown by
 * k× it would need k times longer to drain (pages that got in cannot be taken back).
 *
 * <h2>Hysteresis</h2>
 * <pre>
 *   enter:  held ≥ full  · A   for holdNs    (a writer faster than the device)
 *   leave:  held ≤ empty · A   for leaveNs   (the writers stopped and it drained)
 *   between the two: the state stays, and only the "empty" clock restarts
 *
 *   held/A ▲
 *     full ┤─ ─ ─█▀█▀▀█▀█ ─ ─ ─ ─ ─ ─      a throttled writer's device swings
 *          │     █ █  █ █                 between the two lines: without
 *    empty ┤─ ─ ─█─█──█─█▄▄▄▄▄▄▄▄ ─ ─      hysteresis it would flap every tick
 *          └─────┬────────────┬───────▶ t
 *        backlogged: +holdNs   not: +leaveNs of ≤ empty
 * </pre>
 * Units: bytes and nanoseconds; 0 ≤ empty &lt; full ≤ 1 (checked by the builder). Defaults
 * (DrainTimeController.Builder): full ½, empty 1/10, hold 1 s, leave 2 s. It also remembers when
 * it last left the backlog, so that the rise back to r · T can be told apart ("writers
 * stopped") from a device that got faster.
 */
final class BacklogDetector {
    private static final long NONE = Long.MIN_VALUE;

    private final double full;
    private final double empty;
    private final long holdNs;
    private final long leaveNs;

    private boolean backlogged;
    private long fullSinceNs = NONE;
    private long emptySinceNs = NONE;
    private long exitNs = NONE;

    BacklogDetector(double full, double empty, long holdNs, long leaveNs) {
        this.full = full;
        this.empty = empty;
        this.holdNs = holdNs;
        this.leaveNs = leaveNs;
    }

    /**
     * @param held dirty + writeback bytes at the sample
     * @param allowance the allowance in force while it was held (before this sample's decision)
     * @return whether it is backlogged now
     */
    boolean update(long nowNs, long held, long allowance) {
        if (held >= full * allowance) {
            emptySinceNs = NONE;
            if (fullSinceNs == NONE) {
                fullSinceNs = nowNs;
            }
            if (nowNs - fullSinceNs >= holdNs) {
                backlogged = true;
            }
        } else if (held <= empty * allowance) {
            if (emptySinceNs == NONE) {
                emptySinceNs = nowNs;
            }
            if (nowNs - emptySinceNs >= leaveNs) {
                if (backlogged) {
                    exitNs = nowNs;
                }
                backlogged = false;
                fullSinceNs = NONE;
            }
        } else {
            emptySinceNs = NONE;
        }
        return backlogged;
    }

    boolean backlogged() {
        return backlogged;
    }

    /** Whether it left the backlog less than {@code windowNs} before {@code nowNs}. */
    boolean leftWithin(long nowNs, long windowNs) {
        return exitNs != NONE && nowNs - exitNs < windowNs;
    }
}
