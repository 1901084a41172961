package wbgov.governor.control;

/**
 * Raises the allowance where a device proves to need more than the law gives it: the probe
 * boost b (≥ 1) that multiplies the law's seconds.
 *
 * <h2>Why</h2>
 * If the allowance itself limited throughput with the device latency L (Little: r = A / L),
 * the law would give A' = r·T = A·T/L, which opens up by itself whenever T &gt; L. A
 * completion-following law can still lock low when something else paces completions to what
 * the allowance admits, or when L &gt; T (or &gt; B while backlogged).
 *
 * <h2>Cycle</h2>
 * <pre>
 *   binding ⇔ A &lt; ceiling ∧ held ≥ full · A ∧ 0 ≤ dirty ≤ starvedDirty · held
 *             (the allowance is full and everything admitted is already being written)
 *
 *   binding for wait ──▶ A ← clamp(A · factor), held for holdNs, rate r₀ noted
 *                        │
 *        r ≥ r₀ · (1 + gain)?   yes: b ← min(maxBoost, b · factor), wait ← interval   (KEPT)
 *                               no:  b stays,  wait ← min(intervalMax, 2 · wait)     (FAILED)
 *
 *    A ▲      ┌──┐kept     ┌─────          failed: back to the law, next try waits
 *      │  ────┘  └─────────┘                twice as long (10, 20, 40 … 160 s)
 *      └─────────────────────────▶ t
 * </pre>
 * In the regime where a probe is kept, r grows with A, so held / r does not grow: the boost buys
 * speed, not drain time. A failed probe keeps b: stepping it down made a limit cycle where
 * B · b sat just above the device's latency — the step put it below, the allowance then bound
 * throughput, the rate fell and the allowance followed it down (plant test, 5.9 of 8 MiB/s).
 * Units: bytes, nanoseconds; factors dimensionless. Defaults (DrainTimeController.Builder):
 * full 0.8, starved 0.25, factor 1.25, gain 10 %, hold 3 s, wait 10 s..160 s, boost ≤ 16.
 */
final class Prober {
    private static final long NONE = Long.MIN_VALUE;

    private final Bounds bounds;
    private final double full;
    private final double starvedDirty;
    private final double factor;
    private final double gain;
    private final long holdNs;
    private final long intervalNs;
    private final long intervalMaxNs;
    private final double maxBoost;

    private long boundSinceNs = NONE;
    private boolean probing;
    private long startNs;
    private double baseRate;
    private long waitNs;
    private double boost = 1.0;

    Prober(Bounds bounds, double full, double starvedDirty, double factor, double gain, long holdNs, long intervalNs,
            long intervalMaxNs, double maxBoost) {
        this.bounds = bounds;
        this.full = full;
        this.starvedDirty = starvedDirty;
        this.factor = factor;
        this.gain = gain;
        this.holdNs = holdNs;
        this.intervalNs = intervalNs;
        this.intervalMaxNs = intervalMaxNs;
        this.maxBoost = maxBoost;
        this.waitNs = intervalNs;
    }

    /** The boost b in force, ≥ 1. */
    double boost() {
        return boost;
    }

    /** Whether a probe is being held. */
    boolean probing() {
        return probing;
    }

    /**
     * Whether the allowance has looked binding with a starved queue for the current wait; true
     * once, then the wait starts afresh.
     *
     * @param dirtyBytes dirty bytes at the sample (-1 when unknown: never binding)
     */
    boolean due(long nowNs, long allowance, long held, long dirtyBytes) {
        boolean binding = allowance < bounds.ceilingBytes
                && held >= full * allowance
                && dirtyBytes >= 0
                && dirtyBytes <= starvedDirty * held;
        if (!binding) {
            boundSinceNs = NONE;
            return false;
        }
        if (boundSinceNs == NONE) {
            boundSinceNs = nowNs;
            return false;
        }
        if (nowNs - boundSinceNs >= waitNs) {
            boundSinceNs = NONE;
            return true;
        }
        return false;
    }

    /** Starts a probe from {@code allowance}; returns the raised allowance (probing only if it differs). */
    long start(long nowNs, long allowance, double rate) {
        long raised = bounds.clamp(allowance * factor);
        if (raised != allowance) {
            probing = true;
            startNs = nowNs;
            baseRate = rate;
        }
        return raised;
    }

    /** Whether the probe in progress has been held long enough to judge. */
    boolean judgeable(long nowNs) {
        return nowNs - startNs >= holdNs;
    }

    /**
     * Ends the probe in progress: kept when completions rose by the gain (b grows, the wait
     * resets), failed otherwise (b stays, the wait doubles).
     *
     * @return whether it was kept
     */
    boolean judge(double rate) {
        probing = false;
        if (rate >= baseRate * (1 + gain)) {
            boost = Math.min(maxBoost, boost * factor);
            waitNs = intervalNs;
            return true;
        }
        waitNs = Math.min(intervalMaxNs, waitNs * 2);
        return false;
    }

    /** Stops probing and forgets how long the allowance has bound (relaxed: nothing binds). */
    void cancel() {
        probing = false;
        boundSinceNs = NONE;
    }

    /** A stalled device: as {@link #cancel()}, and the boost it earned no longer holds. */
    void reset() {
        cancel();
        boost = 1.0;
    }
}
