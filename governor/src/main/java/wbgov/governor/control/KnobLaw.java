package wbgov.governor.control;

import wbgov.governor.policy.Policy;

/**
 * From the law's allowance to the three knobs the kernel is asked for — {@code max_bytes},
 * {@code min_bytes}, {@code strict_limit} — given the global thresholds of now. Pure: no files,
 * no clock; {@code GovernorPlantTest} checks the whole cycle, {@code KnobLawTest} each rule.
 *
 * <pre>
 *   max    = min(allowance, 0.9 T)                           T = global dirty threshold (bytes)
 *   strict = policy.strict ∧ ¬lifted
 *   lifted: set when max ≥ F/2, cleared when max &lt; F/4     F = freerun = (T + B) / 2, B = background
 *   min    = strict ? min(max − max/16, max(1 MiB, policy.floor)) : 0
 *
 *   lifted  ^
 *     yes   |            +------------------------
 *           |            |         ^
 *           |            v         |   (hysteresis: no flip-flop on every tick)
 *     no    |------------+---------+
 *           +------------+---------+----------------&gt; max
 *                       F/4       F/2
 * </pre>
 *
 * <p><b>Cap.</b> The kernel keeps a byte knob as a share of T and refuses more than 100 %
 * (EINVAL). A policy's ceiling may exceed T on a small machine, under a small vm.dirty_bytes, or
 * after T shrank with dirtyable memory; the device's limit is then the whole budget: 90 % of T.
 * Taken again from the T of now at every write and drift check, never from the T of an earlier
 * one. Why 90 and not 99: the kernel checks a write against the threshold it computes at that
 * moment from dirtyable memory, not against {@code nr_dirty_threshold} read a tick before; in a
 * 2 GiB guest whose page cache a 300 MB write was filling, 99 % of the T read was refused
 * (EINVAL, vm/guest/governor-nbd.sh on 6.12, 2026-11-27): T had fallen by more than 1 % between
 * the read and the write. A device allowed 90 % of the whole budget is unlimited in effect (its
 * strict limit is lifted long before, at half of freerun).
 *
 * <p><b>Strict.</b> strict_limit is what caps a slow device before anyone writes to it: without
 * it the kernel ignores a bdi's max below freerun. A device allowed at least half of freerun
 * loses little of that protection without it (it could hold up to freerun instead of its
 * allowance), but with it the kernel computes its limit from its recent share of completions,
 * which an idle device has lost: a burst to a fast device that rested is throttled from a few MiB
 * up, for seconds (bench burst: 200 MiB accepted in 4.3 s instead of 0.04 s). Lifted, the burst
 * is accepted at memory speed, as on a kernel-default device.
 *
 * <p><b>Reserve.</b> min_bytes keeps a strict device writing beside others whatever the kernel's
 * share of completions says: its floor, at least {@link Policy#ABSOLUTE_MIN_FLOOR_BYTES}, and 1/16
 * below its max. Why below and not up to it: the kernel keeps both as ratios of the threshold at
 * the time of each write and refuses a max ratio under the min ratio (EINVAL). A min written at
 * one threshold and a max of the same bytes written after the threshold grew compare as max &lt;
 * min: seen in the 6.12 guest (vm/guest/governor-nbd.sh, 2026-11-27) when a stalled nbd0 fell to
 * its 1 MiB floor with min_bytes at 1 MiB. A drift of more than 1/16 makes the min read back
 * changed and rewritten first (BdiKnobs orders the writes); less is what the margin covers.
 * A device not strict gets no reserve (it is limited only at freerun anyway).
 */
public final class KnobLaw {
    private KnobLaw() {
    }

    /**
     * Fills {@code d}'s knobs ({@link Decision#maxBytes}, {@link Decision#minBytes},
     * {@link Decision#strict}, {@link Decision#strictLifted}) and the thresholds they were taken
     * at. Allocates nothing.
     *
     * @param d the decision to fill
     * @param allowanceBytes the law's allowance (DrainTimeController), bytes
     * @param policyStrict whether the device's policy asks for strict_limit
     * @param wasLifted the hysteresis state of the previous decision (false at first)
     * @param floorBytes the policy's floor
     * @param threshBytes the global dirty threshold now; ≤ 0 when unknown (no cap, no flip)
     * @param backgroundBytes the global background threshold now; &lt; 0 when unknown
     */
    public static void knobs(Decision d, long allowanceBytes, boolean policyStrict, boolean wasLifted, long floorBytes,
            long threshBytes, long backgroundBytes) {
        long max = capToThreshold(allowanceBytes, threshBytes);
        boolean lifted = policyStrict && lifted(wasLifted, max, threshBytes, backgroundBytes);
        d.threshBytes = threshBytes;
        d.backgroundThreshBytes = backgroundBytes;
        d.maxBytes = max;
        d.strictLifted = lifted;
        d.strict = policyStrict && !lifted;
        d.minBytes = reserve(d.strict, max, floorBytes);
    }

    /** The share of the global threshold a device's max_bytes is capped to, percent. */
    public static final int CAP_PERCENT = 90;

    /** {@code min(bytes, 90 % of T)}; {@code bytes} when T is unknown. */
    public static long capToThreshold(long bytes, long threshBytes) {
        return threshBytes > 0 ? Math.min(bytes, threshBytes / 100 * CAP_PERCENT) : bytes;
    }

    /** The strict hysteresis: lifted at ≥ freerun/2, back below freerun/4, else unchanged. */
    public static boolean lifted(boolean wasLifted, long maxBytes, long threshBytes, long backgroundBytes) {
        if (threshBytes <= 0 || backgroundBytes < 0) {
            return wasLifted;
        }
        long freerun = (threshBytes + backgroundBytes) / 2;
        if (wasLifted && maxBytes < freerun / 4) {
            return false;
        }
        if (!wasLifted && maxBytes >= freerun / 2) {
            return true;
        }
        return wasLifted;
    }

    /** min_bytes: the floor (at least 1 MiB) for a strict device, 1/16 below its max; 0 otherwise. */
    public static long reserve(boolean strict, long maxBytes, long floorBytes) {
        return strict ? Math.min(maxBytes - maxBytes / 16, Math.max(Policy.ABSOLUTE_MIN_FLOOR_BYTES, floorBytes)) : 0;
    }
}
