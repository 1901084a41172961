package wbgov.governor.control;

/**
 * Whether a device is stalled: it has had pages under write-back and completed nothing for
 * longer than those pages should take (server gone, flaky USB, a link down). Dirty pages the
 * flusher has not taken up yet are no stall: the device was not asked (see
 * {@code RateEstimator}). Pure and stateless: the time without progress comes from the rate
 * estimator, which measures it from the samples' own timestamps.
 * <pre>
 *   grace    = min(owed / r_p, 4 · stallNs)      owed: bytes under write-back (B)
 *                                               r_p: the estimate at the last completion (B/s)
 *   stalled  ⇔  counter present  ∧  time owing completions without one ≥ stallNs + grace
 *
 *   completed ▲ ▄▄▄▄▄▄
 *             │       ·  ·  ·  ·  ·  ·  ·  ·    nothing completes, pages under write-back
 *   allowance │‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾┐
 *             │                             └──── floor
 *             └───────┬───────────┬──────┬──▶ t
 *                  last completion  + owed/r_p  + stallNs
 * </pre>
 * Why the grace: a slow device completes whole requests, not pages. A 1 MiB/s device with 2 MiB
 * under write-back in two 1 MiB bios completes nothing for a second or two between bios
 * in the best case; a fixed 2 s called such a healthy device stalled (seen in CI: status showed no
 * drain time for a device working at its speed). The bytes it owes at the speed it had are the
 * time it is entitled to; the last completion's estimate, not the current one, because the
 * current one falls toward 0 while nothing completes and would stretch the grace without end.
 * The cap (4 stallNs: 10 s with the default) bounds how late a dead server is seen on a slow
 * device; meanwhile the falling estimate already takes its allowance down. Before any rate is
 * known there is no grace.
 *
 * Why the floor and not "hold": the rate estimate only decays toward 0 over a few τ, and every
 * byte a stalled device lets in meanwhile is taken from the budget every other device shares —
 * pages that got in cannot be taken back. At the floor its writers wait instead (CONTEXT.md:
 * "a device whose completion rate falls to ~0 should be clamped to its floor"). Never zero: the
 * floor keeps it writing the moment it completes again. Without any completion counter nothing
 * can be seen: never stalled (the caller reports the missing counter).
 */
final class StallGuard {
    /** The grace is at most this many stall times. */
    static final int MAX_GRACE_STALLS = 4;

    private final long stallNs;

    /** @param stallNs 100 ms..10 min (checked by {@link DrainTimeController.Builder#stallNs}) */
    StallGuard(long stallNs) {
        this.stallNs = stallNs;
    }

    /**
     * @param measured whether the sample had a completion counter
     * @param heldWithoutProgressNs how long it has had pages under write-back without completing
     *     any (the estimator's {@code stalledNs()})
     * @param owedBytes bytes under write-back now
     * @param rateAtProgressBytesPerSec the rate estimate when it last completed something; 0 when
     *     none is known
     */
    boolean stalled(boolean measured, long heldWithoutProgressNs, long owedBytes, double rateAtProgressBytesPerSec) {
        return measured && heldWithoutProgressNs >= stallNs + graceNs(owedBytes, rateAtProgressBytesPerSec);
    }

    /** min(owed / r_p, 4 stallNs) in ns; 0 without a rate or anything owed. */
    long graceNs(long owedBytes, double rateAtProgressBytesPerSec) {
        if (owedBytes <= 0 || rateAtProgressBytesPerSec <= 0) {
            return 0;
        }
        double ns = owedBytes * 1e9 / rateAtProgressBytesPerSec;
        return (long) Math.min(ns, (double) MAX_GRACE_STALLS * stallNs);
    }
}
