package wbgov.governor.control;

/**
 * Whether the law may relax to the ceiling: the machine has been uncontended for
 * {@code holdNs} and the policy is not strict.
 * <pre>
 *   freerun     = (DirtyThresh + BackgroundThresh) / 2                       bytes
 *   uncontended ⇔ global dirty + writeback &lt; belowFreerun · freerun        (all three known)
 *   relaxed     ⇔ ¬strict ∧ uncontended for holdNs
 *
 *   global held ▲          contention returns: relaxed ends in that tick
 *     freerun/2 ┤─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ╱‾‾‾
 *               │▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁╱
 *               └───┬─────────┬──────────┬────▶ t
 *     relaxed   no  │  (hold) │   yes    │ no (CONTENDED)
 * </pre>
 * Why relax at all: without strict_limit the kernel ignores a bdi's max below freerun, so there
 * its own proportional share rules, and rewriting a knob that has no effect is churn. Why never
 * for a strict policy: for a slow device the drain time is a promise to the user (sync, umount,
 * eject, data at risk) that holds with or without contention, and pages let in while relaxed
 * could not be taken back when contention arrives. An unknown global count counts as contended:
 * relaxing is the step that needs proof. Units: bytes and nanoseconds.
 */
final class ContentionGate {
    private static final long NONE = Long.MIN_VALUE;

    private final double belowFreerun;
    private final long holdNs;
    private final boolean strict;

    private long uncontendedSinceNs = NONE;
    private boolean relaxed;
    private boolean returned;

    ContentionGate(double belowFreerun, long holdNs, boolean strict) {
        this.belowFreerun = belowFreerun;
        this.holdNs = holdNs;
        this.strict = strict;
    }

    /**
     * @param globalHeldBytes machine-wide dirty + writeback, -1 when unknown
     * @param globalThreshBytes DirtyThresh, ≤ 0 when unknown
     * @param backgroundThreshBytes BackgroundThresh, &lt; 0 when unknown
     * @return whether relaxed now
     */
    boolean update(long nowNs, long globalHeldBytes, long globalThreshBytes, long backgroundThreshBytes) {
        boolean was = relaxed;
        relaxed = relaxedNow(nowNs, globalHeldBytes, globalThreshBytes, backgroundThreshBytes);
        returned = was && !relaxed;
        return relaxed;
    }

    private boolean relaxedNow(long nowNs, long globalHeldBytes, long globalThreshBytes, long backgroundThreshBytes) {
        boolean known = globalHeldBytes >= 0 && globalThreshBytes > 0 && backgroundThreshBytes >= 0;
        double freerun = (globalThreshBytes + backgroundThreshBytes) / 2.0;
        if (!known || globalHeldBytes >= belowFreerun * freerun) {
            uncontendedSinceNs = NONE;
            return false;
        }
        if (uncontendedSinceNs == NONE) {
            uncontendedSinceNs = nowNs;
        }
        return !strict && nowNs - uncontendedSinceNs >= holdNs;
    }

    /** Whether relaxation ended at the last update: contention came back. */
    boolean contentionReturned() {
        return returned;
    }
}
