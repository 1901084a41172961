package wbgov.governor.control;

/**
 * How the allowance A follows the law's target: down at once, up in confirmed steps.
 * <pre>
 *   down:  target &lt; (1 − downBand) · A                 → target, at once
 *          (while held ≥ A: at most one drop per dropBatchNs)
 *   up:    target &gt; (1 + upBand) · A for riseHoldNs    → min(target, max(A · maxRiseFactor, proven))
 *   else:  A                                            (dead band: the knob is not rewritten)
 *
 *   allowance ─────┐             ┌──┘‾‾‾‾‾‾
 *                  │          ┌──┘
 *                  └──────────┘
 *               slowdown    speed-up
 * </pre>
 * Units: bytes, nanoseconds; bands are fractions of A. Bound: in steady state A ≤ target /
 * (1 − downBand), so the drain time is at most T / (1 − downBand) = 1.11 T with the defaults.
 *
 * <p>Asymmetric because the two errors are not alike: an allowance too high lets in pages that
 * cannot be taken back and may need minutes to drain at the new speed; one too low for a second
 * costs a little throughput, since small strict caps hardly limit throughput on the stacks
 * measured (CONTEXT.md, "Kernel behaviours"). A speed spike (a USB stick's cache absorbing at
 * full speed, then slowing) must last riseHold before it buys allowance. A confirmed rise may
 * go past ×maxRiseFactor up to the bytes the device drained in its busy stretch
 * ({@link BusyStretch}): what it has just drained it has proven it can. While a slowing device
 * still holds more than A its writers are blocked whatever the exact value, so successive drops
 * are batched: the estimate falls over a few τ, and one write per tick would only churn the knob.
 */
final class AllowanceTracker {
    private static final long NONE = Long.MIN_VALUE;

    private final Bounds bounds;
    private final double downBand;
    private final double upBand;
    private final long riseHoldNs;
    private final long dropBatchNs;
    private final double maxRiseFactor;

    private long riseSinceNs = NONE;
    private long lastDropNs = NONE;

    AllowanceTracker(Bounds bounds, double downBand, double upBand, long riseHoldNs, long dropBatchNs,
            double maxRiseFactor) {
        this.bounds = bounds;
        this.downBand = downBand;
        this.upBand = upBand;
        this.riseHoldNs = riseHoldNs;
        this.dropBatchNs = dropBatchNs;
        this.maxRiseFactor = maxRiseFactor;
    }

    /**
     * @param old the allowance in force
     * @param target what the law asks for (already within bounds)
     * @param held dirty + writeback bytes now
     * @param provenBytes bytes completed in the current or last busy stretch
     * @return the allowance to hold from now on
     */
    long track(long nowNs, long old, long target, long held, long provenBytes) {
        if (target < old) {
            riseSinceNs = NONE;
            if (target > old * (1 - downBand)) {
                return old;
            }
            if (held >= old && lastDropNs != NONE && nowNs - lastDropNs < dropBatchNs) {
                return old; // writers already blocked: a lower value changes nothing yet
            }
            lastDropNs = nowNs;
            return target;
        }
        if (target > old * (1 + upBand)) {
            if (riseSinceNs == NONE) {
                riseSinceNs = nowNs;
            }
            if (nowNs - riseSinceNs >= riseHoldNs) {
                riseSinceNs = nowNs;
                return Math.min(target, Math.max(bounds.clamp(old * maxRiseFactor), provenBytes));
            }
            return old;
        }
        riseSinceNs = NONE;
        return old;
    }

    /** Forgets a pending rise: it must be confirmed afresh (after a stall or a probe). */
    void cancelRise() {
        riseSinceNs = NONE;
    }
}
