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
 * <h2>Leaving fast when nobody writes</h2>
 * After a burst (write, then fdatasync) the device holds its allowance for the seconds it needs
 * to write it: held alone cannot tell that from throttled writers, so the backlog is entered
 * and the allowance falls to r · B. That costs the burst nothing (it was accepted), but the
 * next one met r · B if the backlog lasted until then: with 2 s of "nearly empty" and a 1 s rise
 * hold, a burst 2 s after the last one was throttled to the device's speed (bench burst,
 * P4_accept 3.76 × solo, 2026-11-27). With the device's dirtied counter ({@code BdiDirtied}):
 * <pre>
 *   leave:  held ≤ empty · A for leaveNs                                 (as above), or
 *           held ≤ empty · A for quietNs with no page of it dirtied in that time
 * </pre>
 * A writer throttled on the device is released as soon as it is nearly empty and dirties pages
 * within its pause (at most 200 ms, MAX_PAUSE in mm/page-writeback.c): quietNs (300 ms) of an
 * empty device without a dirtied page means nobody waits. Not usable for entering: a writer
 * can wait in balance_dirty_pages() for seconds without dirtying a page while a slow device
 * completes one big request (at 0.8 MiB/s a 1 MiB request takes 1.25 s); a first version that
 * gated the entry on recent dirtying, and left after 2 s without a dirtied page whatever the
 * device held, kept the speed-change scenario's slow device out of its backlog (P3 p99 2.5 ×
 * target, bench/results/2026-11-27-backlog-gated). Without the counter (no debugfs: -1) only
 * the first rule leaves.
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

    /** A nearly empty device whose pages nobody dirtied for this long has no writer waiting on it. */
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
        if (dirtiedBytes >= 0) {
            if (prevDirtiedBytes < 0 || dirtiedBytes != prevDirtiedBytes) {
                lastDirtyingNs = nowNs; // the first sample: given the benefit of the doubt
            }
            prevDirtiedBytes = dirtiedBytes;
        }
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
            boolean nobodyWrites = dirtiedBytes >= 0 && nowNs - Math.max(emptySinceNs, lastDirtyingNs) >= quietNs;
            if (nowNs - emptySinceNs >= leaveNs || nobodyWrites) {
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
