package wbgov.governor.control;

/**
 * Whether a device is stalled: it has had pages under write-back and completed nothing for
 * {@code stallNs} (server gone, flaky USB, a link down). Dirty pages the flusher has not taken
 * up yet are no stall: the device was not asked (see {@code RateEstimator}). Pure and stateless: the time without progress comes
 * from the rate estimator, which measures it from the samples' own timestamps.
 * <pre>
 *   stalled  ⇔  counter present  ∧  time owing completions without one ≥ stallNs
 *
 *   completed ▲ ▄▄▄▄▄▄
 *             │       ·  ·  ·  ·  ·  ·        nothing completes, pages under write-back
 *   allowance │‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾┐
 *             │                      └──── floor
 *             └───────┬──────────────┬──▶ t
 *                  last completion   + stallNs
 * </pre>
 * Why the floor and not "hold": the rate estimate only decays toward 0 over a few τ, and every
 * byte a stalled device lets in meanwhile is taken from the budget every other device shares —
 * pages that got in cannot be taken back. At the floor its writers wait instead (CONTEXT.md:
 * "a device whose completion rate falls to ~0 should be clamped to its floor"). Never zero: the
 * floor keeps it writing the moment it completes again. Without any completion counter nothing
 * can be seen: never stalled (the caller reports the missing counter).
 */
final class StallGuard {
    private final long stallNs;

    /** @param stallNs 100 ms..10 min (checked by {@link DrainTimeController.Builder#stallNs}) */
    StallGuard(long stallNs) {
        this.stallNs = stallNs;
    }

    /**
     * @param measured whether the sample had a completion counter
     * @param heldWithoutProgressNs how long it has had pages under write-back without completing
     *     any (the estimator's {@code stalledNs()})
     */
    boolean stalled(boolean measured, long heldWithoutProgressNs) {
        return measured && heldWithoutProgressNs >= stallNs;
    }
}
