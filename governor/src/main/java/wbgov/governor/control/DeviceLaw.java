package wbgov.governor.control;

import wbgov.governor.policy.Policy;
import wbgov.governor.sample.BdiSample;

/**
 * The one law of one device: from its sample, its policy and the global thresholds of now to
 * the whole {@link Decision} — the allowance and the knobs it becomes. Pure: no files, no clock
 * (time comes in the sample), allocates nothing per call. The daemon only senses, calls this,
 * actuates what {@link Decision#knobsChanged} says, and journals.
 *
 * <pre>
 *   sample ──▶ {@link DrainTimeController} ──allowance──▶ {@link KnobLaw} ──▶ max, min, strict
 *                 (rate, backlog, probe, stall)            (cap 90 % T, strict hysteresis, reserve)
 *                                 └──────────── one {@link Decision} ───────────┘
 * </pre>
 *
 * <p>Between samples the thresholds can move (they follow dirtyable memory): {@link #recap}
 * takes the same allowance to the knobs of the thresholds of now, so that a cap taken at a larger
 * threshold is never asked again once memory is tight (the kernel would refuse it, EINVAL).
 */
public final class DeviceLaw {
    private final DrainTimeController allowance;
    private final boolean policyStrict;
    private final long floorBytes;
    private Decision last;

    public DeviceLaw(DrainTimeController allowance, Policy policy) {
        this.allowance = allowance;
        this.policyStrict = policy.strict();
        this.floorBytes = policy.floorBytes();
    }

    /** The allowance part, for its rate estimate and state (read only). */
    public DrainTimeController allowance() {
        return allowance;
    }

    /**
     * The decision before any sample: the initial allowance (pages that got in cannot be taken
     * back: apply it when the device is found, before anyone writes to it). {@link
     * Decision#knobsChanged} is true.
     */
    public Decision initial(long threshBytes, long backgroundThreshBytes) {
        Decision d = allowance.initialDecision();
        knobs(d, threshBytes, backgroundThreshBytes, false);
        d.knobsChanged = true;
        last = d;
        return d;
    }

    /**
     * Feeds one sample. The thresholds are the sample's ({@code globalThreshBytes},
     * {@code backgroundThreshBytes}).
     *
     * @param globalHeldBytes machine-wide dirty + writeback, -1 when unknown
     */
    public Decision decide(BdiSample s, long globalHeldBytes) {
        return decide(s, globalHeldBytes, false);
    }

    /**
     * As {@link #decide(BdiSample, long)}; {@code draining}: someone asked to empty the device
     * ({@code wbgov drain}). The allowance is its floor and strict_limit is on whatever the
     * policy says: without strict the kernel ignores a bdi's max below freerun, and new writers
     * would not wait. When it ends, strict goes back to the policy's.
     */
    public Decision decide(BdiSample s, long globalHeldBytes, boolean draining) {
        boolean wasLifted = last != null && last.strictLifted;
        boolean oldStrict = last != null && last.strict;
        Decision d = allowance.update(s, globalHeldBytes, draining);
        knobs(d, s.globalThreshBytes, s.backgroundThreshBytes, wasLifted);
        // A knob write only when the allowance moved or strict flipped. The cap alone moves
        // with every page of free memory; the drift check (recap) takes care of it, not every tick.
        d.knobsChanged = d.changed || d.strict != oldStrict;
        last = d;
        return d;
    }

    /**
     * The last allowance taken to the knobs at the thresholds of now (the drift check): no new
     * sample, no change of the allowance. Returns the same record, updated.
     */
    public Decision recap(long threshBytes, long backgroundThreshBytes) {
        Decision d = last != null ? last : allowance.initialDecision();
        long oldMax = d.maxBytes;
        boolean oldStrict = d.strict;
        long oldMin = d.minBytes;
        knobs(d, threshBytes, backgroundThreshBytes, d.strictLifted);
        d.changed = false;
        d.knobsChanged = d.maxBytes != oldMax || d.minBytes != oldMin || d.strict != oldStrict;
        last = d;
        return d;
    }

    /** The last decision; null before {@link #initial} or any sample. */
    public Decision last() {
        return last;
    }

    private void knobs(Decision d, long thresh, long background, boolean wasLifted) {
        KnobLaw.knobs(d, d.newBytes, policyStrict || d.draining, wasLifted && !d.draining, floorBytes, thresh, background);
    }
}
