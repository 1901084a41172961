package wbgov.governor.control;

import java.util.Locale;
import wbgov.nbd.units.Units;

/**
 * The whole decision for one device on one sample — the allowance ({@link DrainTimeController})
 * and the three knobs it becomes ({@link KnobLaw}: max_bytes, min_bytes, strict_limit) — with
 * every input at the decision point, so one record explains the numbers (the trace record of
 * page-writeback.c's balance_dirty_pages tracepoint, in spirit). {@link DeviceLaw} fills it; the
 * daemon's log line, {@code wbgov status} and the tests all read this one record.
 *
 * <p>Mutable and owned by its law: overwritten by each update, so deciding allocates nothing.
 * Read it before the next update; copy what you keep. {@link #toString()} is the log line
 * "old → new, why", for when {@link #changed} is true (it allocates; log only changes).
 *
 * <p>The bundled server's in-flight limit has its own record, {@link InflightDecision}: an
 * export is not a bdi (its client may be another host), so it is decided per export, by
 * {@link InflightController}, from the export's own completions.
 */
public final class Decision {
    /** Why the allowance is what it is. */
    public enum Reason {
        /** No change. */
        HOLD("unchanged"),
        /** No measurement yet: the policy's initial allowance. */
        INITIAL("no measurement yet: policy's initial allowance"),
        /** Met before: the allowance its remembered rate earns, until measured again. */
        REMEMBERED("met before: remembered rate × drain target"),
        /** The completion rate fell: follow it down at once. */
        SLOWER("completions slowed"),
        /** The completion rate rose and stayed up: follow it up, in steps. */
        FASTER("completions rose"),
        /** Its writers are throttled on it: hold the backlog target, what keeps it busy. */
        BACKLOG("writers waiting on the device: backlog target"),
        /** Its writers stopped and it drained: back up toward the drain target, in steps. */
        DRAINED("writers stopped: back toward the drain target"),
        /** Someone asked to empty it ({@code wbgov drain}): the floor, strict, until released. */
        DRAINING("drain requested: floor, strict, until it is released"),
        /** Data held, nothing completed for a while: the floor, so its writers wait. */
        STALLED("no completion while writing back: floor"),
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
    /** Standard error of the completion-rate estimate (bytes/s; {@code RateEstimator}); 0 before any. */
    public double rateStdErrBytesPerSec;
    /** How long the device has had pages under write-back without completing any (ns). */
    public long noProgressNs;
    /** Probe multiplier in force (1 unless a probe showed the allowance limited throughput). */
    public double boost;
    /**
     * Whether the law was relaxed to the ceiling: the policy is not strict and the machine has
     * been uncontended (global dirty + writeback far below freerun) for relaxHold.
     */
    public boolean relaxed;
    /** Whether the device was backlogged (its writers throttled on it): the law held r · B. */
    public boolean backlogged;
    /** Whether a probe is in progress (the allowance is boost × the law, to be judged). */
    public boolean probing;
    /** Whether the device holds data and completed nothing for the stall time: held at the floor. */
    public boolean stalled;
    /** Whether a drain was requested ({@code wbgov drain}): held at the floor, strict. */
    public boolean draining;

    // ---- the knobs ({@link KnobLaw}), filled by {@link DeviceLaw} ----

    /** Global dirty threshold the knobs were capped to (bytes); ≤ 0 when unknown. */
    public long threshBytes;
    /** Global background threshold (bytes); &lt; 0 when unknown. */
    public long backgroundThreshBytes;
    /** max_bytes to ask for: {@link #newBytes} capped to 90 % of {@link #threshBytes} ({@link KnobLaw#CAP_PERCENT}). */
    public long maxBytes;
    /** min_bytes to ask for: the reserve of a strict device, else 0. */
    public long minBytes;
    /** strict_limit to ask for. */
    public boolean strict;
    /** A strict policy's device allowed so much that strict_limit is lifted (hysteresis state). */
    public boolean strictLifted;
    /** Whether max, min or strict differ from what the previous decision asked: write the knobs. */
    public boolean knobsChanged;

    /** The controller's state in one word, for status and metrics: draining, stalled, probing, backlogged, relaxed or tracking. */
    public String state() {
        return draining ? "draining" : stalled ? "stalled" : probing ? "probing" : backlogged ? "backlogged" : relaxed ? "relaxed" : "tracking";
    }

    @Override
    public String toString() {
        return (oldBytes == 0 ? "kernel" : Units.formatBytes(oldBytes)) + " → " + Units.formatBytes(newBytes)
                + (maxBytes > 0 && maxBytes < newBytes ? " (max " + Units.formatBytes(maxBytes) + ": " + KnobLaw.CAP_PERCENT + " % of the threshold "
                        + Units.formatBytes(threshBytes) + ")" : "")
                + (strict ? ", strict" : "") + ", " + reason.text()
                + String.format(Locale.ROOT, " (rate %s/s, held %s, drain %.2fs, target %s%s%s)",
                        Units.formatBytes((long) rateBytesPerSec), Units.formatBytes(heldBytes), drainSeconds,
                        Units.formatBytes(targetBytes), boost > 1 ? String.format(Locale.ROOT, ", boost %.2f", boost) : "",
                        backlogged ? ", backlogged" : "");
    }
}
