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
 *
 * <h2>A drain is not a backlog</h2>
 * Holding half the allowance says a writer was faster than the device, not that one still
 * waits on it: after a burst (write, then fdatasync) the device holds its allowance for the
 * seconds it needs to write it, and nobody dirties a page. Taken for a backlog, that drain cut
 * the allowance to r · B, and the next burst seconds later was throttled to the device's speed
 * (bench burst, P4_accept 3.76 × solo). With the device's dirtied counter ({@code BdiDirtied}):
 * <pre>
 *   writing  ⇔  a page of the device was dirtied within the last quietNs (300 ms)
 *   enter:  held ≥ full · A  ∧  writing, for holdNs         (the full clock stops when quiet)
 *   leave:  as above, or no page dirtied for leaveNs       (the writers are gone; it drains)
 * </pre>
 * quietNs is above the longest pause balance_dirty_pages() gives a throttled writer (MAX_PAUSE,
 * 200 ms) plus a 100 ms tick, so a writer throttled on the device always counts as writing
 * (with longer ticks every interval of a throttled writer sees pages dirtied); and short, because
 * the full clock of a burst runs on for that long after its last write() (at 500 ms a 400 MiB
 * burst still reached the hold time in its drain: bench burst, 2026-11-27).
 * Without the counter (no debugfs: -1) every sample counts as writing, the rule of held alone.
 */
final class BacklogDetector {
    private static final long NONE = Long.MIN_VALUE;

    private final double full;
    private final double empty;
    private final long holdNs;
    private final long leaveNs;
    private final long quietNs;

    private boolean backlogged;
    private long prevDirtiedBytes = -1;
    private long lastDirtyingNs = NONE;
    private long fullSinceNs = NONE;
    private long emptySinceNs = NONE;
    private long exitNs = NONE;

    /** A device whose pages nobody dirtied for this long has no writer waiting on it. */
    static final long QUIET_NS = 300_000_000L;

    BacklogDetector(double full, double empty, long holdNs, long leaveNs) {
        this.full = full;
        this.empty = empty;
        this.holdNs = holdNs;
        this.leaveNs = leaveNs;
        this.quietNs = QUIET_NS;
    }

    /** {@link #update(long, long, long, long)} without a dirtied counter: held alone decides. */
    boolean update(long nowNs, long held, long allowance) {
        return update(nowNs, held, allowance, -1);
    }

    /**
     * @param held dirty + writeback bytes at the sample
     * @param allowance the allowance in force while it was held (before this sample's decision)
     * @param dirtiedBytes the device's cumulative dirtied counter (BdiDirtied); -1 when unknown
     * @return whether it is backlogged now
     */
    boolean update(long nowNs, long held, long allowance, long dirtiedBytes) {
        boolean writing = true;
        if (dirtiedBytes >= 0) {
            if (prevDirtiedBytes < 0 || dirtiedBytes != prevDirtiedBytes) {
                lastDirtyingNs = nowNs; // the first sample: given the benefit of the doubt
            }
            prevDirtiedBytes = dirtiedBytes;
            long quietForNs = nowNs - lastDirtyingNs;
            writing = quietForNs < quietNs;
            if (backlogged && quietForNs >= leaveNs) {
                leave(nowNs); // nobody writes: what it holds is a drain
            }
        }
        if (held >= full * allowance && !writing) {
            fullSinceNs = NONE; // a drain, not a backlog: the full clock starts again with a writer
            emptySinceNs = NONE;
        } else if (held >= full * allowance) {
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
                leave(nowNs);
            }
        } else {
            emptySinceNs = NONE;
        }
        return backlogged;
    }

    private void leave(long nowNs) {
        if (backlogged) {
            exitNs = nowNs;
        }
        backlogged = false;
        fullSinceNs = NONE;
    }

    boolean backlogged() {
        return backlogged;
    }

    /** Whether it left the backlog less than {@code windowNs} before {@code nowNs}. */
    boolean leftWithin(long nowNs, long windowNs) {
        return exitNs != NONE && nowNs - exitNs < windowNs;
    }
}
