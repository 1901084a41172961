package wbgov.governor.control;

import wbgov.governor.estimate.DrainTime;
import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.policy.Policy;
import wbgov.governor.sample.BdiSample;

/**
 * The dirty allowance of one device (its bdi {@code max_bytes}), from its measured completion
 * rate and its policy's drain target. Pure: no I/O, no clock (time comes in the sample), no
 * randomness; allocates nothing per update.
 *
 * <h2>The law</h2>
 * <pre>
 *   r      completion rate, bytes/s (EWMA of BdiWritten deltas, {@link RateEstimator})
 *   T      drain target, s (policy drain_target): the most the device may hold
 *   B      backlog target, s (policy backlog_target, ≤ T; = T when the policy does not set it)
 *   b      probe boost, ≥ 1 (1 unless a probe proved the allowance limited throughput)
 *
 *   target = clamp(r · T · b, floor, ceiling)                     bytes, writers not waiting
 *   target = clamp(r · B · b, floor, ceiling)                     bytes, backlogged
 *
 *   so that   drain time = held / r ≤ allowance / r ≤ T
 * </pre>
 * Properties: target(r) is monotone in r; target(0) = floor > 0 (never zero); target(r) =
 * ceiling for r ≥ ceiling / T; a device that holds data and completes nothing for
 * {@code stallNs} goes to the floor at once (its writers wait instead of eating the shared
 * budget). Before any measurement the allowance is the policy's {@code initial}: pages that got
 * in cannot be taken back, so an idle slow device must already be capped.
 * <pre>
 *   allowance
 *   ceiling ┤                  ┌─────────
 *           │                ╱
 *           │              ╱    slope T
 *           │            ╱
 *     floor ┼──────────╱
 *           └──────────┬───────┬────────▶ r
 *                floor/T   ceiling/T
 * </pre>
 *
 * <h2>Backlog: hold what keeps the device busy, not what the promise allows</h2>
 * A device is <em>backlogged</em> when its writers are being throttled on it: it has held at
 * least {@code backlogFull} × its allowance for {@code backlogHold} (a writer faster than the
 * device); it stops being backlogged when it has held at most {@code backlogEmpty} × its
 * allowance for {@code backlogLeave} (the writers stopped and it drained). While backlogged, its
 * writers' throughput is the device's, whatever the allowance above what keeps the device busy:
 * every byte more only lengthens the queue — sync, umount and eject wait for it, and after a
 * slowdown by k× it needs k times longer to drain (pages that got in cannot be taken back). So
 * a backlogged device holds r · B, the backlog target (the shipped NBD and loop-over-remote
 * policies: 125 ms, about twice what this machine's NBD stack measured it needs — a strict cap
 * of 0.5–1 MiB keeps an 8 MiB/s device at full speed, 1 MiB an 80 MiB/s one; USB, FUSE and
 * network file systems, not measured here, 250 ms), and the probe below raises b when that
 * proves too little. A device that is not backlogged — idle, or written slower than it drains — holds
 * r · T: a burst of up to T seconds of its speed is then accepted at memory speed, which is
 * what write-back caching is for. Measured effect (bench speed-change --quick, 8 → 0.8 MiB/s):
 * with r · T (10–16 MiB held at the drop) the drain time p99 was 12.5 s; with r · B = 1 MiB,
 * 1.25 s, and the device kept its rate in both phases.
 *
 * <h2>Tracking: down at once, up in confirmed steps</h2>
 * <pre>
 *   allowance ─────┐             ┌──┘‾‾‾‾‾‾     down: as soon as target < (1 − downBand)·A
 *                  │          ┌──┘               up:  target > (1 + upBand)·A for riseHold,
 *                  └──────────┘                       then at most ×maxRiseFactor per step
 *               slowdown    speed-up
 * </pre>
 * Asymmetric because the two errors are not alike: an allowance too high lets in pages that
 * cannot be taken back and may need minutes to drain at the new speed; an allowance too low
 * for a second costs a little throughput (measured here: a strict cap of 0.5–1 MiB still lets
 * an 8 MiB/s device run at full speed). A speed spike (a USB stick's cache absorbing at full
 * speed, then slowing) must last {@code riseHold} before it buys allowance. The dead band
 * keeps the knob from being rewritten every tick: in steady state it is not written at all.
 * A rise may go further than ×maxRiseFactor, up to the bytes the device completed in its
 * current or last busy stretch: what it has just drained it has proven it can drain (see
 * {@link #trackProven}).
 * While a slowing device still holds more than its allowance its writers are blocked whatever
 * the exact value, so successive drops are then written at most every {@code dropBatch}
 * (500 ms): the estimate falls over a few τ, and one write per tick would only churn the knob.
 *
 * <h2>Contention: relax toward the kernel</h2>
 * The machine is uncontended while global dirty + writeback stays below
 * {@code relaxBelowFreerun} × freerun, freerun = (DirtyThresh + BackgroundThresh) / 2, for
 * {@code relaxHold}. Then, for a policy that is <em>not</em> strict, the allowance rises to the
 * ceiling: without strict_limit the kernel ignores a bdi's max below freerun anyway, so there it
 * is the kernel's own proportional share that rules, and we stop rewriting a knob that has no
 * effect. A <em>strict</em> policy keeps its drain-time law: for a slow device the drain time
 * is a promise to the user (sync, umount, eject, data at risk) that holds with or without
 * contention, and the pages it would let in while relaxed could not be taken back when
 * contention arrives. Contention returning ends relaxation at once (reason CONTENDED).
 *
 * <h2>Probing: do not lock low</h2>
 * If the allowance itself limited throughput with the device latency L (Little: r = A / L),
 * the law would give A' = r·T = A·T/L, which opens up by itself whenever T > L. A
 * completion-following controller can still lock low when something else paces completions to
 * what the allowance admits. So when the allowance binds (held ≥ {@code probeFull} × A) while
 * the device's queue is starved (dirty ≤ {@code probeStarvedDirty} × held: everything admitted
 * is already being written), for {@code probeInterval}, the allowance is raised by
 * {@code probeFactor} and held for {@code probeHold}. If completions rose by
 * {@code probeGain}, the allowance was the limit: the boost b is multiplied by probeFactor
 * (up to {@code maxBoost}); in that regime r grows with A, so held / r does not grow: the probe
 * buys speed, not drain time. If not, the allowance goes back to the law with b as it was and the next probe waits twice as long (up to
 * {@code probeIntervalMax}).
 *
 * <h2>Bound</h2>
 * In steady state held ≤ A ≤ target / (1 − downBand), so drain time ≤ T / (1 − downBand) =
 * 1.11 T with the defaults; during a probe, × probeFactor for probeHold. After a slowdown by
 * k×, the pages already in need (k − 1)·T more to drain: no law can take them back, which is
 * why the initial allowance and the fast drop matter.
 *
 * <h2>Never zero</h2>
 * Every value is clamped to [max(floor, {@link Policy#ABSOLUTE_MIN_FLOOR_BYTES}), ceiling].
 */
public final class DrainTimeController {
    private static final long NONE = Long.MIN_VALUE;

    private final long drainTargetNs;
    private final double drainTargetSec;
    private final double backlogTargetSec;
    private final double backlogFull;
    private final double backlogEmpty;
    private final long backlogHoldNs;
    private final long backlogLeaveNs;
    private final long floorBytes;
    private final long ceilingBytes;
    private final long initialBytes;
    private final boolean strict;
    private final double downBand;
    private final double upBand;
    private final long riseHoldNs;
    private final long dropBatchNs;
    private final double maxRiseFactor;
    private final long stallNs;
    private final double relaxBelowFreerun;
    private final long relaxHoldNs;
    private final double probeFull;
    private final double probeStarvedDirty;
    private final double probeFactor;
    private final double probeGain;
    private final long probeHoldNs;
    private final long probeIntervalNs;
    private final long probeIntervalMaxNs;
    private final double maxBoost;
    private final RateEstimator estimator;
    private final Decision decision = new Decision();

    private long allowanceBytes;
    private boolean backlogged;
    private long fullSinceNs = NONE;
    private long emptySinceNs = NONE;
    private long backlogExitNs = NONE;
    private long busyStartWritten = -1;
    private long lastWritten = -1;
    private long provenBytes;
    private long riseSinceNs = NONE;
    private long lastDropNs = NONE;
    private long uncontendedSinceNs = NONE;
    private boolean wasRelaxed;
    private long capBoundSinceNs = NONE;
    private boolean probing;
    private long probeStartNs;
    private double probeBaseRate;
    private long probeWaitNs;
    private double boost = 1.0;
    private long changes;

    private DrainTimeController(Builder b) {
        drainTargetNs = b.drainTargetNs;
        drainTargetSec = b.drainTargetNs / 1e9;
        backlogTargetSec = (b.backlogTargetNs < 0 ? b.drainTargetNs : Math.min(b.backlogTargetNs, b.drainTargetNs)) / 1e9;
        backlogFull = b.backlogFull;
        backlogEmpty = b.backlogEmpty;
        backlogHoldNs = b.backlogHoldNs;
        backlogLeaveNs = b.backlogLeaveNs;
        floorBytes = Math.max(b.floorBytes, Policy.ABSOLUTE_MIN_FLOOR_BYTES);
        ceilingBytes = b.ceilingBytes;
        initialBytes = b.initialBytes < 0 ? floorBytes : b.initialBytes;
        strict = b.strict;
        downBand = b.downBand;
        upBand = b.upBand;
        riseHoldNs = b.riseHoldNs;
        dropBatchNs = b.dropBatchNs;
        maxRiseFactor = b.maxRiseFactor;
        stallNs = b.stallNs;
        relaxBelowFreerun = b.relaxBelowFreerun;
        relaxHoldNs = b.relaxHoldNs;
        probeFull = b.probeFull;
        probeStarvedDirty = b.probeStarvedDirty;
        probeFactor = b.probeFactor;
        probeGain = b.probeGain;
        probeHoldNs = b.probeHoldNs;
        probeIntervalNs = b.probeIntervalNs;
        probeIntervalMaxNs = b.probeIntervalMaxNs;
        maxBoost = b.maxBoost;
        estimator = RateEstimator.builder().tauNs(b.rateTauNs).build();
        allowanceBytes = initialBytes;
        probeWaitNs = probeIntervalNs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder with the policy's drain and backlog targets, floor, ceiling, initial and strict mode. */
    public static Builder builder(Policy p) {
        return new Builder().drainTargetNs(p.drainTargetNs()).backlogTargetNs(p.backlogTargetNs())
                .floorBytes(p.floorBytes()).ceilingBytes(p.ceilingBytes()).initialBytes(p.initialBytes())
                .strict(p.strict());
    }

    /**
     * The allowance in force. Before any sample it is the initial allowance: apply it when the
     * device is discovered, before anyone writes to it.
     */
    public long allowanceBytes() {
        return allowanceBytes;
    }

    /** How many times the allowance changed (knob writes asked for). */
    public long changes() {
        return changes;
    }

    /** The rate estimator, for status output (read only). */
    public double rateBytesPerSec() {
        return estimator.rateBytesPerSec();
    }

    public boolean strict() {
        return strict;
    }

    public long drainTargetNs() {
        return drainTargetNs;
    }

    /** Whether its writers are being throttled on it (see the class doc): it holds r · B. */
    public boolean backlogged() {
        return backlogged;
    }

    /** {@link #update(BdiSample, long)} with the global dirty count unknown (counts as contended). */
    public Decision update(BdiSample s) {
        return update(s, -1);
    }

    /**
     * Feeds one sample; returns this controller's {@link Decision}, overwritten by the next call.
     *
     * @param s the device's sample; uses timeNs, dirtyBytes, writebackBytes, writtenBytes (or
     *     blockWrittenBytes when writtenBytes is -1), globalThreshBytes, backgroundThreshBytes
     * @param globalHeldBytes machine-wide dirty + writeback bytes (/proc/vmstat nr_dirty +
     *     nr_writeback), -1 when unknown
     * @return the decision; {@code changed} says whether to write the knob. Without any completion
     *     counter (both written fields -1) the rate cannot be measured: the allowance stays at the
     *     policy's initial value and stalls cannot be seen, and the caller should say so.
     */
    public Decision update(BdiSample s, long globalHeldBytes) {
        long nowNs = s.timeNs;
        long held = DrainTime.heldBytes(s.dirtyBytes, s.writebackBytes);
        long written = s.writtenBytes >= 0 ? s.writtenBytes : s.blockWrittenBytes;
        if (written >= 0) {
            estimator.update(nowNs, written, held);
            trackProven(written, held);
        }
        double rate = estimator.rateBytesPerSec();
        boolean relaxed = trackContention(nowNs, s, globalHeldBytes);
        trackBacklog(nowNs, held, allowanceBytes);
        double lawSec = lawSeconds();

        long old = allowanceBytes;
        long next = old;
        long target;
        Decision.Reason reason = Decision.Reason.HOLD;

        if (written >= 0 && estimator.stalledNs() >= stallNs) {
            target = floorBytes;
            provenBytes = 0;
            probing = false;
            boost = 1.0;
            riseSinceNs = NONE;
            capBoundSinceNs = NONE;
            if (old != floorBytes) {
                next = floorBytes;
                reason = Decision.Reason.STALLED;
            }
        } else if (!estimator.hasEstimate()) {
            target = initialBytes;
            next = track(nowNs, old, target, held);
            if (next != old) {
                reason = Decision.Reason.INITIAL;
            }
        } else if (relaxed) {
            probing = false;
            capBoundSinceNs = NONE;
            target = ceilingBytes;
            next = track(nowNs, old, target, held);
            reason = next != old ? Decision.Reason.RELAXED : reason;
        } else if (probing) {
            target = clamp(rate * lawSec);
            next = old;
            if (nowNs - probeStartNs >= probeHoldNs) {
                probing = false;
                if (rate >= probeBaseRate * (1 + probeGain)) {
                    boost = Math.min(maxBoost, boost * probeFactor);
                    probeWaitNs = probeIntervalNs;
                    target = clamp(rate * lawSeconds());
                    next = Math.max(old, target);
                    reason = Decision.Reason.PROBE_KEPT;
                } else {
                    // b stays: the probe's own raise is undone by going back to the law. Stepping
                    // b down as well made a limit cycle where B · b sits just above the device's
                    // latency: the step put it below, the allowance then bound throughput, the
                    // rate fell and the allowance followed it down (plant test, 5.9 of 8 MiB/s).
                    probeWaitNs = Math.min(probeIntervalMaxNs, probeWaitNs * 2);
                    target = clamp(rate * lawSeconds());
                    next = target;
                    reason = next != old ? Decision.Reason.PROBE_FAILED : reason;
                }
                riseSinceNs = NONE;
            }
        } else {
            target = clamp(rate * lawSec);
            Decision.Reason down = wasRelaxed ? Decision.Reason.CONTENDED
                    : backlogged && backlogTargetSec < drainTargetSec ? Decision.Reason.BACKLOG : Decision.Reason.SLOWER;
            next = track(nowNs, old, target, held);
            if (next < old) {
                reason = down;
            } else if (next > old) {
                reason = backlogExitNs != NONE && nowNs - backlogExitNs < 10 * riseHoldNs + backlogLeaveNs
                        ? Decision.Reason.DRAINED : Decision.Reason.FASTER;
            }
            if (next == old && shouldProbe(nowNs, s, held, old)) {
                next = clamp(old * probeFactor);
                if (next != old) {
                    probing = true;
                    probeStartNs = nowNs;
                    probeBaseRate = rate;
                    reason = Decision.Reason.PROBE;
                }
            }
        }
        wasRelaxed = relaxed;

        allowanceBytes = next;
        if (next != old) {
            changes++;
        }
        Decision d = decision;
        d.changed = next != old;
        d.oldBytes = old;
        d.newBytes = next;
        d.reason = reason;
        d.timeNs = nowNs;
        d.rateBytesPerSec = rate;
        d.heldBytes = held;
        d.targetBytes = target;
        d.drainSeconds = DrainTime.seconds(held, rate);
        d.boost = boost;
        d.relaxed = relaxed;
        d.backlogged = backlogged;
        return d;
    }

    /** Down at once past the dead band; up only after the target stayed high for riseHold. */
    private long track(long nowNs, long old, long target, long held) {
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
                return Math.min(target, Math.max(clamp(old * maxRiseFactor), provenBytes));
            }
            return old;
        }
        riseSinceNs = NONE;
        return old;
    }

    /** Whether the allowance has looked binding with a starved queue for the probe interval. */
    private boolean shouldProbe(long nowNs, BdiSample s, long held, long allowance) {
        boolean binding = allowance < ceilingBytes
                && held >= probeFull * allowance
                && s.dirtyBytes >= 0
                && s.dirtyBytes <= probeStarvedDirty * held;
        if (!binding) {
            capBoundSinceNs = NONE;
            return false;
        }
        if (capBoundSinceNs == NONE) {
            capBoundSinceNs = nowNs;
            return false;
        }
        if (nowNs - capBoundSinceNs >= probeWaitNs) {
            capBoundSinceNs = NONE;
            return true;
        }
        return false;
    }

    /**
     * Bytes the device completed in its current busy stretch (or its last one, while idle): from
     * the sample where it first held data or completed some until one where it held none and
     * completed none. What a device has just
     * drained without stalling, it has proven it can drain, so a confirmed rise may go straight
     * up to that much instead of ×maxRiseFactor per riseHold: a device that rests after a burst
     * reports no new completions, and steps it cannot confirm would only delay the opening that
     * the next burst needs (bench burst: 4 → 16 → 64 MiB still strict when the second burst came
     * 3 s after the first, which the device had drained at 200 MiB/s).
     */
    private void trackProven(long written, long held) {
        if (lastWritten >= 0 && written < lastWritten) { // counter reset: start over
            busyStartWritten = -1;
        }
        boolean completed = lastWritten >= 0 && written > lastWritten;
        if (busyStartWritten < 0) {
            if (held > 0 || completed) {
                busyStartWritten = lastWritten >= 0 ? lastWritten : written;
                provenBytes = Math.max(0, written - busyStartWritten);
            }
        } else {
            provenBytes = Math.max(0, written - busyStartWritten);
            if (held == 0 && !completed) { // idle: a throttled writer's device is often empty at the sample
                busyStartWritten = -1;
            }
        }
        lastWritten = written;
    }

    /** Seconds of the completion rate the law holds: T · b, or B · b while backlogged (B ≤ T). */
    private double lawSeconds() {
        return (backlogged ? backlogTargetSec : drainTargetSec) * boost;
    }

    /**
     * Backlogged: held ≥ backlogFull · A for backlogHold (its writers are throttled on it). Not
     * any more: held ≤ backlogEmpty · A for backlogLeave (they stopped, and it drained). In
     * between, the state stays: a throttled writer's device swings between the two.
     */
    private void trackBacklog(long nowNs, long held, long allowance) {
        if (held >= backlogFull * allowance) {
            emptySinceNs = NONE;
            if (fullSinceNs == NONE) {
                fullSinceNs = nowNs;
            }
            if (nowNs - fullSinceNs >= backlogHoldNs) {
                backlogged = true;
            }
        } else if (held <= backlogEmpty * allowance) {
            if (emptySinceNs == NONE) {
                emptySinceNs = nowNs;
            }
            if (nowNs - emptySinceNs >= backlogLeaveNs) {
                if (backlogged) {
                    backlogExitNs = nowNs;
                }
                backlogged = false;
                fullSinceNs = NONE;
            }
        } else {
            emptySinceNs = NONE;
        }
    }

    /** Whether the machine has been uncontended long enough to relax (non-strict only). */
    private boolean trackContention(long nowNs, BdiSample s, long globalHeldBytes) {
        boolean known = globalHeldBytes >= 0 && s.globalThreshBytes > 0 && s.backgroundThreshBytes >= 0;
        double freerun = (s.globalThreshBytes + s.backgroundThreshBytes) / 2.0;
        if (!known || globalHeldBytes >= relaxBelowFreerun * freerun) {
            uncontendedSinceNs = NONE;
            return false;
        }
        if (uncontendedSinceNs == NONE) {
            uncontendedSinceNs = nowNs;
        }
        return !strict && nowNs - uncontendedSinceNs >= relaxHoldNs;
    }

    private long clamp(double bytes) {
        if (!(bytes >= floorBytes)) { // NaN too
            return floorBytes;
        }
        return bytes >= ceilingBytes ? ceilingBytes : (long) bytes;
    }

    /**
     * Configuration. Defaults: drain 2 s, backlog target = drain target, backlogged after ≥ half
     * the allowance for 1 s, not after ≤ a tenth for 2 s, floor 1 MiB, ceiling 256 MiB, rate τ 500 ms, down band
     * 10 %, up band 20 % held 1 s, ×4 per rise, stall after 2 s, relax below half of freerun for
     * 5 s, probes ×1.25 held 3 s, first after 10 s binding, backing off to 160 s, boost up to 16.
     */
    public static final class Builder {
        private long drainTargetNs = 2_000_000_000L;
        private long backlogTargetNs = -1;
        private double backlogFull = 0.5;
        private double backlogEmpty = 0.1;
        private long backlogHoldNs = 1_000_000_000L;
        private long backlogLeaveNs = 2_000_000_000L;
        private long floorBytes = Policy.ABSOLUTE_MIN_FLOOR_BYTES;
        private long ceilingBytes = 256L << 20;
        private long initialBytes = -1;
        private boolean strict = true;
        private long rateTauNs = 500_000_000L;
        private double downBand = 0.10;
        private double upBand = 0.20;
        private long riseHoldNs = 1_000_000_000L;
        private long dropBatchNs = 500_000_000L;
        private double maxRiseFactor = 4.0;
        private long stallNs = 2_000_000_000L;
        private double relaxBelowFreerun = 0.5;
        private long relaxHoldNs = 5_000_000_000L;
        private double probeFull = 0.8;
        private double probeStarvedDirty = 0.25;
        private double probeFactor = 1.25;
        private double probeGain = 0.10;
        private long probeHoldNs = 3_000_000_000L;
        private long probeIntervalNs = 10_000_000_000L;
        private long probeIntervalMaxNs = 160_000_000_000L;
        private double maxBoost = 16.0;

        private Builder() {
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                throw new IllegalArgumentException(what);
            }
        }

        /** Set point: the longest the device may need to drain what it holds. 10 ms..1 h. */
        public Builder drainTargetNs(long v) {
            check(v >= 10_000_000L && v <= 3_600_000_000_000L, "drain target must be 10ms..1h, got " + v + "ns");
            drainTargetNs = v;
            return this;
        }

        /**
         * What a backlogged device holds, in seconds of its completion rate (see the class doc);
         * negative: the drain target (no distinction). 1 ms..1 h; above the drain target it is
         * the drain target.
         */
        public Builder backlogTargetNs(long v) {
            check(v < 0 || v >= 1_000_000L && v <= 3_600_000_000_000L, "backlog target must be 1ms..1h, got " + v + "ns");
            backlogTargetNs = v;
            return this;
        }

        /**
         * Backlogged after holding ≥ {@code full} × allowance for {@code holdNs}; no longer after
         * holding ≤ {@code empty} × allowance for {@code leaveNs}. 0 ≤ empty &lt; full ≤ 1.
         */
        public Builder backlogDetection(double full, double empty, long holdNs, long leaveNs) {
            check(empty >= 0 && empty < full && full <= 1, "backlog fractions must be 0 <= empty < full <= 1, got "
                    + empty + ", " + full);
            check(holdNs >= 0 && holdNs <= 60_000_000_000L && leaveNs >= 0 && leaveNs <= 60_000_000_000L,
                    "backlog hold and leave must be 0..60s, got " + holdNs + "ns, " + leaveNs + "ns");
            backlogFull = full;
            backlogEmpty = empty;
            backlogHoldNs = holdNs;
            backlogLeaveNs = leaveNs;
            return this;
        }

        /** Never below; at least {@link Policy#ABSOLUTE_MIN_FLOOR_BYTES}. */
        public Builder floorBytes(long v) {
            check(v >= Policy.ABSOLUTE_MIN_FLOOR_BYTES, "floor must be at least "
                    + Policy.ABSOLUTE_MIN_FLOOR_BYTES + " bytes, got " + v);
            floorBytes = v;
            return this;
        }

        public Builder ceilingBytes(long v) {
            check(v >= Policy.ABSOLUTE_MIN_FLOOR_BYTES, "ceiling must be at least "
                    + Policy.ABSOLUTE_MIN_FLOOR_BYTES + " bytes, got " + v);
            ceilingBytes = v;
            return this;
        }

        /** Held before any measurement; defaults to the floor. */
        public Builder initialBytes(long v) {
            check(v >= Policy.ABSOLUTE_MIN_FLOOR_BYTES, "initial must be at least "
                    + Policy.ABSOLUTE_MIN_FLOOR_BYTES + " bytes, got " + v);
            initialBytes = v;
            return this;
        }

        /** Whether the policy sets strict_limit; a strict device never relaxes (see class doc). */
        public Builder strict(boolean v) {
            strict = v;
            return this;
        }

        /** Time constant of the completion-rate EWMA. 10 ms..60 s. */
        public Builder rateTauNs(long v) {
            check(v >= 10_000_000L && v <= 60_000_000_000L, "rate tau must be 10ms..60s, got " + v + "ns");
            rateTauNs = v;
            return this;
        }

        /** Drop only when the target is this fraction below the allowance. 0..0.5. */
        public Builder downBand(double v) {
            check(v >= 0 && v <= 0.5, "down band must be 0..0.5, got " + v);
            downBand = v;
            return this;
        }

        /** Rise only when the target is this fraction above the allowance. 0..1. */
        public Builder upBand(double v) {
            check(v >= 0 && v <= 1, "up band must be 0..1, got " + v);
            upBand = v;
            return this;
        }

        /** How long the target must stay above the band before each rise. 0..60 s. */
        public Builder riseHoldNs(long v) {
            check(v >= 0 && v <= 60_000_000_000L, "rise hold must be 0..60s, got " + v + "ns");
            riseHoldNs = v;
            return this;
        }

        /**
         * While the device holds more than the allowance (its writers are blocked anyway),
         * successive drops are written at most this often. 0..10 s.
         */
        public Builder dropBatchNs(long v) {
            check(v >= 0 && v <= 10_000_000_000L, "drop batch must be 0..10s, got " + v + "ns");
            dropBatchNs = v;
            return this;
        }

        /** Largest factor of one rise. 1.1..100. */
        public Builder maxRiseFactor(double v) {
            check(v >= 1.1 && v <= 100, "max rise factor must be 1.1..100, got " + v);
            maxRiseFactor = v;
            return this;
        }

        /** Holding data with no completion this long means stalled: floor. 100 ms..10 min. */
        public Builder stallNs(long v) {
            check(v >= 100_000_000L && v <= 600_000_000_000L, "stall time must be 100ms..10min, got " + v + "ns");
            stallNs = v;
            return this;
        }

        /** Uncontended below this fraction of the freerun point. 0..1. */
        public Builder relaxBelowFreerun(double v) {
            check(v >= 0 && v <= 1, "relax fraction must be 0..1, got " + v);
            relaxBelowFreerun = v;
            return this;
        }

        /** How long uncontended before relaxing. 0..10 min. */
        public Builder relaxHoldNs(long v) {
            check(v >= 0 && v <= 600_000_000_000L, "relax hold must be 0..10min, got " + v + "ns");
            relaxHoldNs = v;
            return this;
        }

        /** Probe upward by this factor. 1.05..4. */
        public Builder probeFactor(double v) {
            check(v >= 1.05 && v <= 4, "probe factor must be 1.05..4, got " + v);
            probeFactor = v;
            return this;
        }

        /** First probe after the allowance has bound this long; doubles on each failure up to max. */
        public Builder probeIntervalNs(long v, long maxNs) {
            check(v >= 100_000_000L && maxNs >= v && maxNs <= 3_600_000_000_000L,
                    "probe interval must be 100ms..max..1h, got " + v + ".." + maxNs);
            probeIntervalNs = v;
            probeIntervalMaxNs = maxNs;
            return this;
        }

        /** How long a probe is held before judging it. 100 ms..60 s. */
        public Builder probeHoldNs(long v) {
            check(v >= 100_000_000L && v <= 60_000_000_000L, "probe hold must be 100ms..60s, got " + v + "ns");
            probeHoldNs = v;
            return this;
        }

        /** Largest probe boost. 1..64. */
        public Builder maxBoost(double v) {
            check(v >= 1 && v <= 64, "max boost must be 1..64, got " + v);
            maxBoost = v;
            return this;
        }

        public DrainTimeController build() {
            check(floorBytes <= ceilingBytes, "floor " + floorBytes + " above ceiling " + ceilingBytes);
            check(initialBytes < 0 || initialBytes >= floorBytes && initialBytes <= ceilingBytes,
                    "initial " + initialBytes + " outside floor..ceiling");
            return new DrainTimeController(this);
        }
    }
}
