package wbgov.governor.control;

import java.util.Locale;
import wbgov.nbd.units.Units;

/**
 * What a {@link DrainTimeController} decided on one sample, with every input at the decision
 * point, so one record explains the number (the trace record of page-writeback.c's
 * balance_dirty_pages tracepoint, in spirit).
 *
 * <p>Mutable and owned by its controller: overwritten by each update, so deciding allocates
 * nothing. Read it before the next update; copy what you keep. {@link #toString()} is the log
 * line "old → new, why", for when {@link #changed} is true (it allocates; log only changes).
 */
public final class Decision {
    /** Why the allowance is what it is. */
    public enum Reason {
        /** No change. */
        HOLD("unchanged"),
        /** No measurement yet: the policy's initial allowance. */
        INITIAL("no measurement yet: policy's initial allowance"),
        /** The completion rate fell: follow it down at once. */
        SLOWER("completions slowed"),
        /** The completion rate rose and stayed up: follow it up, in steps. */
        FASTER("completions rose"),
        /** Its writers are throttled on it: hold the backlog target, what keeps it busy. */
        BACKLOG("writers waiting on the device: backlog target"),
        /** Its writers stopped and it drained: back up toward the drain target, in steps. */
        DRAINED("writers stopped: back toward the drain target"),
        /** Data held, nothing completed for a while: the floor, so its writers wait. */
        STALLED("no completion while holding data: floor"),
        /** Nothing contends and the policy is not strict: the kernel's own behaviour. */
        RELAXED("no contention: relaxed to ceiling"),
        /** Contention came back: back under the drain-time law at once. */
        CONTENDED("contention returned"),
        /** The allowance looked binding: try more. */
        PROBE("allowance looks binding: probing upward"),
        /** The probe raised completions: the allowance was the limit; keep the gain. */
        PROBE_KEPT("probe raised completions: keeping"),
        /** The probe did not raise completions: back to the law. */
        PROBE_FAILED("probe did not raise completions: back");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** Whether {@link #newBytes} differs from {@link #oldBytes}: write the knob. */
    public boolean changed;
    public long oldBytes;
    public long newBytes;
    public Reason reason = Reason.HOLD;
    /** Sample time. */
    public long timeNs;
    /** Completion-rate estimate used (bytes/s); 0 before any. */
    public double rateBytesPerSec;
    /** Dirty + writeback at the sample. */
    public long heldBytes;
    /** What the law asked for before hysteresis and step limits. */
    public long targetBytes;
    /** held / rate in seconds (+∞ when stuck). */
    public double drainSeconds;
    /** Probe multiplier in force (1 unless a probe showed the allowance limited throughput). */
    public double boost;
    /**
     * Whether the law was relaxed to the ceiling: the policy is not strict and the machine has
     * been uncontended (global dirty + writeback far below freerun) for relaxHold.
     */
    public boolean relaxed;
    /** Whether the device was backlogged (its writers throttled on it): the law held r · B. */
    public boolean backlogged;

    @Override
    public String toString() {
        return Units.formatBytes(oldBytes) + " → " + Units.formatBytes(newBytes) + ", " + reason.text()
                + String.format(Locale.ROOT, " (rate %s/s, held %s, drain %.2fs, target %s%s%s)",
                        Units.formatBytes((long) rateBytesPerSec), Units.formatBytes(heldBytes), drainSeconds,
                        Units.formatBytes(targetBytes), boost > 1 ? String.format(Locale.ROOT, ", boost %.2f", boost) : "",
                        backlogged ? ", backlogged" : "");
    }
}
