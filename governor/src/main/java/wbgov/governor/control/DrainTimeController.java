package wbgov.governor.control;

import wbgov.governor.estimate.DrainTime;
import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicyKey;
import wbgov.governor.sample.BdiSample;

/**
 * The dirty allowance of one device (its bdi {@code max_bytes}), from its measured completion
 * rate and its policy's drain target. Pure: no I/O, no clock (time comes in the sample), no
 * randomness; allocates nothing per update. This class is the composition: each mechanism is a
 * part of its own, documented and tested there. Over 400 lines because of its builder (about
 * 210 lines of range-checked setters), kept nested: {@code DrainTimeController.Builder} is the
 * API the daemon, {@code policy explain} and the tests build it with.
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
 * Properties: target(r) is monotone in r; target(0) = floor &gt; 0 (never zero); target(r) =
 * ceiling for r ≥ ceiling / T. Before any measurement the allowance is the policy's
 * {@code initial}: pages that got in cannot be taken back, so an idle slow device must already
 * be capped.
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
 * <h2>The parts, in the order each sample meets them</h2>
 * <pre>
 *   part               concern                                          reason it gives
 *   ─────────────────  ───────────────────────────────────────────────  ──────────────────────
 *   {@link RateEstimator}      r, and how long data was held without progress
 *   {@link BusyStretch}        bytes drained in the current busy stretch
 *   {@link ContentionGate}     relax to the ceiling (not strict, uncontended)   RELAXED, CONTENDED
 *   {@link BacklogDetector}    writers throttled on it? then B instead of T     BACKLOG, DRAINED
 *   {@link StallGuard}         holds data, completes nothing: floor             STALLED
 *   {@link Prober}             raise b where more allowance buys completions   PROBE, PROBE_KEPT/FAILED
 *   {@link AllowanceTracker}   down at once, up in confirmed steps             SLOWER, FASTER
 *   {@link Bounds}             clamp to [floor, ceiling], never zero
 * </pre>
 * Precedence: a drain requested ({@code wbgov drain}: the floor), stalled, then no estimate yet (initial), then relaxed, then a probe in progress,
 * then the law tracked (and, if that holds still, perhaps a new probe).
 *
 * <h2>Bound</h2>
 * In steady state held ≤ A ≤ target / (1 − downBand), so drain time ≤ T / (1 − downBand) =
 * 1.11 T with the defaults; during a probe, × probeFactor for probeHold. After a slowdown by
 * k×, the pages already in need (k − 1)·T more to drain ((k − 1)·B while backlogged): no law can
 * take them back, which is why the initial allowance, the backlog target and the fast drop
 * matter. What these bought on real devices is in bench/results/2026-11-25-full/NOTES.md
 * ("Facts the controller's comments cite").
 *
 * <h2>Never zero</h2>
 * Every value is clamped to [max(floor, {@link Policy#ABSOLUTE_MIN_FLOOR_BYTES}), ceiling].
 */
public final class DrainTimeController {
    /** Where the builder's policy-level defaults come from: the table of {@link PolicyKey}. */
    private static final Policy DEFAULTS = Policy.builder("default").build();

    private final long drainTargetNs;
    private final double drainTargetSec;
    private final double backlogTargetSec;
    private final long initialBytes;
    private final boolean strict;
    /** Whether the initial allowance comes from a remembered rate. */
    private final boolean remembered;
    /** A rise within this long after leaving the backlog is "writers stopped", not "faster". */
    private final long drainedWindowNs;
    private final Bounds bounds;
    private final RateEstimator estimator;
    private final BusyStretch stretch = new BusyStretch();
    private final StallGuard stall;
    private final ContentionGate contention;
    private final BacklogDetector backlog;
    private final AllowanceTracker tracker;
    private final Prober prober;
    private final Decision decision = new Decision();

    private long allowanceBytes;

    private DrainTimeController(Builder b) {
        drainTargetNs = b.drainTargetNs;
        drainTargetSec = b.drainTargetNs / 1e9;
        backlogTargetSec = (b.backlogTargetNs < 0 ? b.drainTargetNs : Math.min(b.backlogTargetNs, b.drainTargetNs)) / 1e9;
        bounds = new Bounds(b.floorBytes, b.ceilingBytes);
        // A device met before starts where its remembered rate puts the law (DeviceMemory);
        // an unknown one at the policy's cautious initial allowance.
        remembered = b.rememberedRateBytesPerSec > 0;
        initialBytes = remembered ? bounds.clamp(b.rememberedRateBytesPerSec * drainTargetSec)
                : b.initialBytes < 0 ? bounds.floorBytes : b.initialBytes;
        strict = b.strict;
        drainedWindowNs = 10 * b.riseHoldNs + b.backlogLeaveNs;
        estimator = RateEstimator.builder().tauNs(b.rateTauNs).build();
        estimator.seed(b.rememberedRateBytesPerSec); // the first partly idle interval must not replace it
        stall = new StallGuard(b.stallNs);
        contention = new ContentionGate(b.relaxBelowFreerun, b.relaxHoldNs, b.strict);
        backlog = new BacklogDetector(b.backlogFull, b.backlogEmpty, b.backlogHoldNs, b.backlogLeaveNs);
        tracker = new AllowanceTracker(bounds, b.downBand, b.upBand, b.riseHoldNs, b.dropBatchNs, b.maxRiseFactor);
        prober = new Prober(bounds, b.probeFull, b.probeStarvedDirty, b.probeFactor, b.probeGain, b.probeHoldNs,
                b.probeIntervalNs, b.probeIntervalMaxNs, b.maxBoost);
        allowanceBytes = initialBytes;
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

    /** The rate estimator, for status output (read only). */
    public double rateBytesPerSec() {
        return estimator.rateBytesPerSec();
    }

    public boolean strict() {
        return strict;
    }

    /**
     * Whether the rate has been measured in this run (false until completions were seen; a
     * remembered rate alone is not a measurement).
     */
    public boolean hasEstimate() {
        return estimator.measured();
    }

    public long drainTargetNs() {
        return drainTargetNs;
    }

    /** Whether its writers are being throttled on it ({@link BacklogDetector}): it holds r · B. */
    public boolean backlogged() {
        return backlog.backlogged();
    }

    /**
     * The decision before any sample: the allowance in force (the initial one), as a change from
     * nothing. Overwritten by the next update, as every decision.
     */
    public Decision initialDecision() {
        Decision d = decision;
        d.changed = true;
        d.oldBytes = 0;
        d.newBytes = allowanceBytes;
        d.targetBytes = allowanceBytes;
        d.reason = remembered ? Decision.Reason.REMEMBERED : Decision.Reason.INITIAL;
        d.drainSeconds = 0;
        d.boost = prober.boost();
        return d;
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
        return update(s, globalHeldBytes, false);
    }

    /**
     * As {@link #update(BdiSample, long)}; while {@code draining} ({@code wbgov drain} asked to
     * empty the device) the allowance is the floor at once, above every other rule: its writers
     * wait while what it holds goes out. The rate is still measured; when the drain ends the law
     * takes the allowance back up in its confirmed steps, as after any fall.
     */
    public Decision update(BdiSample s, long globalHeldBytes, boolean draining) {
        long nowNs = s.timeNs;
        long held = DrainTime.heldBytes(s.dirtyBytes, s.writebackBytes);
        long written = s.writtenBytes >= 0 ? s.writtenBytes : s.blockWrittenBytes;
        if (written >= 0) {
            // completions are owed for pages under write-back only (see RateEstimator: a fast
            // device holding a few KiB of metadata the flusher has not taken up is waiting, not
            // stalled); without a write-back count every held byte is owed
            estimator.update(nowNs, written, held, s.writebackBytes >= 0 ? s.writebackBytes : held);
            stretch.update(nowNs, written, held);
        }
        double rate = estimator.rateBytesPerSec();
        boolean relaxed = contention.update(nowNs, globalHeldBytes, s.globalThreshBytes, s.backgroundThreshBytes);
        boolean backlogged = backlog.update(nowNs, held, allowanceBytes, s.dirtiedBytes);

        long old = allowanceBytes;
        long next = old;
        long target;
        Decision.Reason reason = Decision.Reason.HOLD;
        boolean stalled = stall.stalled(written >= 0, estimator.stalledNs(), estimator.owedBytes(),
                estimator.rateAtProgressBytesPerSec());

        if (draining) {
            target = bounds.floorBytes;
            prober.cancel();
            tracker.cancelRise();
            if (old != target) {
                next = target;
                reason = Decision.Reason.DRAINING;
            }
        } else if (stalled) {
            target = bounds.floorBytes;
            stretch.forget();
            prober.reset();
            tracker.cancelRise();
            if (old != target) {
                next = target;
                reason = Decision.Reason.STALLED;
            }
        } else if (!estimator.hasEstimate()) {
            target = initialBytes;
            next = track(nowNs, old, target, held);
            reason = next != old ? Decision.Reason.INITIAL : reason;
        } else if (relaxed) {
            prober.cancel();
            target = bounds.ceilingBytes;
            next = track(nowNs, old, target, held);
            reason = next != old ? Decision.Reason.RELAXED : reason;
        } else if (prober.probing()) {
            target = law(rate, backlogged);
            if (prober.judgeable(nowNs)) {
                tracker.cancelRise();
                if (prober.judge(rate)) {
                    target = law(rate, backlogged); // with the grown boost
                    next = Math.max(old, target);
                    reason = Decision.Reason.PROBE_KEPT;
                } else {
                    next = target; // the probe's own raise undone; b stays (see Prober)
                    reason = next != old ? Decision.Reason.PROBE_FAILED : reason;
                }
            }
        } else {
            target = law(rate, backlogged);
            next = track(nowNs, old, target, held);
            if (next < old) {
                reason = contention.contentionReturned() ? Decision.Reason.CONTENDED
                        : backlogged && backlogTargetSec < drainTargetSec ? Decision.Reason.BACKLOG
                        : Decision.Reason.SLOWER;
            } else if (next > old) {
                reason = backlog.leftWithin(nowNs, drainedWindowNs) ? Decision.Reason.DRAINED : Decision.Reason.FASTER;
            } else if (prober.due(nowNs, old, held, s.dirtyBytes)) {
                next = prober.start(nowNs, old, rate);
                reason = next != old ? Decision.Reason.PROBE : reason;
            }
        }
        allowanceBytes = next;

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
        d.rateStdErrBytesPerSec = estimator.rateStdErrBytesPerSec();
        d.noProgressNs = estimator.stalledNs();
        d.boost = prober.boost();
        d.relaxed = relaxed;
        d.backlogged = backlogged;
        d.probing = prober.probing();
        d.stalled = stalled;
        d.draining = draining;
        return d;
    }

    /** The law: r · T · b, or r · B · b while backlogged (B ≤ T), within bounds. */
    private long law(double rate, boolean backlogged) {
        return bounds.clamp(rate * ((backlogged ? backlogTargetSec : drainTargetSec) * prober.boost()));
    }

    private long track(long nowNs, long old, long target, long held) {
        return tracker.track(nowNs, old, target, held, stretch.provenBytes());
    }

    /**
     * Configuration. Drain target, backlog target, floor, ceiling, initial allowance and strict
     * mode default to the policy defaults and are range-checked by the policy's table,
     * {@link PolicyKey} (a policy loaded from a file sets them all through
     * {@link #builder(Policy)}). Other defaults: backlogged after ≥ half
     * the allowance for 1 s, not after ≤ a tenth for 2 s, rate τ 500 ms, down band
     * 10 %, up band 20 % held 1 s, ×4 per rise, stall after 2 s plus what is under write-back needs at the last
     * speed (at most 8 s more, see {@link StallGuard}), relax below half of freerun for
     * 5 s, probes ×1.25 held 3 s, first after 10 s binding, backing off to 160 s, boost up to 16.
     */
    public static final class Builder {
        private long drainTargetNs = DEFAULTS.drainTargetNs();
        private long backlogTargetNs = -1;
        private double backlogFull = 0.5;
        private double backlogEmpty = 0.1;
        private long backlogHoldNs = 1_000_000_000L;
        private long backlogLeaveNs = 2_000_000_000L;
        private long floorBytes = DEFAULTS.floorBytes();
        private long ceilingBytes = DEFAULTS.ceilingBytes();
        private long initialBytes = -1;
        private boolean strict = DEFAULTS.strict();
        private long rateTauNs = 500_000_000L;
        private double downBand = 0.10;
        private double upBand = 0.20;
        private long riseHoldNs = 1_000_000_000L;
        private long dropBatchNs = 500_000_000L;
        private double maxRiseFactor = 4.0;
        private double rememberedRateBytesPerSec;
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

        /** Set point: the longest the device may need to drain what it holds; range as the policy's. */
        public Builder drainTargetNs(long v) {
            PolicyKey.DRAIN_TARGET.check(v);
            drainTargetNs = v;
            return this;
        }

        /**
         * What a backlogged device holds, in seconds of its completion rate (see the class doc);
         * negative: the drain target (no distinction). Range as the policy's; above the drain
         * target it is the drain target.
         */
        public Builder backlogTargetNs(long v) {
            if (v >= 0) {
                PolicyKey.BACKLOG_TARGET.check(v);
            }
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
            PolicyKey.FLOOR.check(v);
            floorBytes = v;
            return this;
        }

        public Builder ceilingBytes(long v) {
            PolicyKey.CEILING.check(v);
            ceilingBytes = v;
            return this;
        }

        /** Held before any measurement; defaults to the floor. */
        public Builder initialBytes(long v) {
            PolicyKey.INITIAL.check(v);
            initialBytes = v;
            return this;
        }

        /** Whether the policy sets strict_limit; a strict device never relaxes (see class doc). */
        /**
         * The completion rate remembered from an earlier meeting of this device (bytes/s; 0:
         * none): the initial allowance becomes clamp(rate × drain target, floor, ceiling).
         */
        public Builder rememberedRate(double bytesPerSec) {
            if (!(bytesPerSec >= 0) || Double.isInfinite(bytesPerSec)) {
                throw new IllegalArgumentException("remembered rate must be ≥ 0 and finite: " + bytesPerSec);
            }
            rememberedRateBytesPerSec = bytesPerSec;
            return this;
        }

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

        /**
         * Owing completions with none this long, plus the time the bytes under write-back need at
         * the last speed (see {@link StallGuard}), means stalled: floor. 100 ms..10 min.
         */
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
