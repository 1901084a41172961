package wbgov.governor.estimate;

/**
 * Completion rate of one device, in bytes per second, from a cumulative byte counter
 * ({@code BdiWritten}), the bytes the device holds (dirty + writeback) and the bytes it owes
 * completions for (those under write-back). Pure: time is an argument; allocates nothing per
 * update.
 *
 * <h2>Law</h2>
 * Each interval between two samples gives a rate {@code r_i = Δbytes / Δt}. The estimate is an
 * exponentially weighted moving average with a time constant {@code τ}, weighted by the
 * interval's length so irregular sampling does not bias it:
 * <pre>
 *   α = 1 − exp(−Δt / τ)
 *   r ← r + α (r_i − r)                 (first busy interval: r ← r_i)
 *
 *   r_i  ▲  ▄        ▄  ▄               bursty per-interval rates (100 ms)
 *        │▄█ ▄  ▄▄ ▄ █ ▄█▄
 *   r    │‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾             τ = 500 ms smooths them: the estimate of a
 *        └──────────────────▶ t          steady but bursty device moves little
 * </pre>
 * Which intervals count:
 * <ul>
 *   <li><b>Idle</b> (held nothing at the start, completed nothing): skipped, the last good
 *       estimate is kept. The kernel's own {@code BdiWriteBandwidth} reads 0 on an idle device;
 *       a controller fed that would close a fast device's allowance as soon as it rests.
 *   <li><b>Partly idle</b> (empty at the start or at the end of the interval): the device ran
 *       out of work inside the interval, so {@code r_i} only bounds its speed from below. Such a
 *       sample may raise the estimate, never lower it.
 *   <li><b>Waiting</b> (held only dirty pages at the start, none under write-back, completed
 *       nothing): skipped like idle. Pages the flusher has not taken up yet (below the
 *       background threshold and younger than {@code dirty_expire_centisecs}: the few KiB of
 *       metadata a file system leaves after a writer's fdatasync) are not owed: counted as a
 *       real 0 they made a fast device's estimate decay to 0 within seconds of every burst,
 *       its allowance fall to the floor, and that decayed rate be the one remembered.
 *   <li><b>Busy with no completion</b> (pages under write-back at the start, completed
 *       nothing): a real 0, taken at full weight: this is how a stalled device's estimate falls
 *       toward 0, and {@link #stalledNs()} counts only this time.
 *   <li><b>Counter went backwards</b> (bdi re-registered, counter reset): the sample re-bases,
 *       the estimate is kept, {@link #counterResets()} counts it.
 * </ul>
 * <h2>Uncertainty</h2>
 * Beside the mean, the same weights give an exponentially weighted variance of the counted
 * intervals' rates (West's incremental form), and from it the standard error of the estimate:
 * <pre>
 *   δ = r_i − r;   r ← r + α δ;   s² ← (1 − α)(s² + α δ²)
 *   se(r) = s · √(α / (2 − α))          the variance of an EWMA of independent samples
 * </pre>
 * with α of the last counted interval. A steady device's se is a few % of r; a bursty one's
 * larger: {@code status} turns it into a range for the time to drain (held / (r − 2 se)).
 *
 * Why an EWMA and not the kernel's figure or a regression: the kernel's figure reads 0 when
 * idle and is missing without debugfs; a sliding-window regression needs a window of samples
 * and reacts to a step only after half a window, where the EWMA's reaction time is {@code τ}
 * whatever the sampling interval. The symmetric average is unbiased on bursty completions;
 * asymmetry (drop fast, rise slowly) belongs to the control law, which knows why.
 */
public final class RateEstimator {
    private final double tauNs;
    private final long minIntervalNs;
    private final boolean everyHeldInterval;

    private boolean based;
    private long prevNs;
    private long prevBytes;
    private long prevHeldBytes;
    private long prevOwedBytes;
    private boolean hasEstimate;
    /** Whether an interval of this run has counted (false while the estimate is only a seed). */
    private boolean measured;
    private double rateBytesPerSec;
    private double varianceBytesPerSec2;
    private double lastAlpha;
    /** Time of the intervals counted so far (ns), for the start-up average of {@link Builder#everyHeldInterval}. */
    private long countedNs;
    private double lastIntervalBytesPerSec;
    private double rateAtProgressBytesPerSec;
    private long progressOrEmptyNs;
    private long heldBytes;
    private long owedBytes;
    private long counterResets;

    private RateEstimator(Builder b) {
        tauNs = b.tauNs;
        minIntervalNs = b.minIntervalNs;
        everyHeldInterval = b.everyHeldInterval;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@link #update(long, long, long, long)} where every held byte is owed (no write-back count). */
    public boolean update(long nowNs, long cumulativeBytes, long heldBytes) {
        return update(nowNs, cumulativeBytes, heldBytes, heldBytes);
    }

    /**
     * Feeds one sample.
     *
     * @param nowNs when it was read (any monotonic nanosecond clock)
     * @param cumulativeBytes bytes completed since some origin (BdiWritten)
     * @param heldBytes dirty + writeback bytes now; 0 when the device holds nothing
     * @param owedBytes bytes under write-back now (submitted, completion owed); pass
     *     {@code heldBytes} when the write-back count is unknown
     * @return whether the estimate was updated from this sample
     */
    public boolean update(long nowNs, long cumulativeBytes, long heldBytes, long owedBytes) {
        long held = Math.max(0, heldBytes);
        long owed = everyHeldInterval ? held : Math.min(held, Math.max(0, owedBytes));
        this.heldBytes = held;
        this.owedBytes = owed;
        if (!based) {
            rebase(nowNs, cumulativeBytes, held, owed);
            progressOrEmptyNs = nowNs;
            based = true;
            return false;
        }
        long dtNs = nowNs - prevNs;
        if (dtNs <= 0) {
            return false;
        }
        if (cumulativeBytes < prevBytes) {
            counterResets++;
            rebase(nowNs, cumulativeBytes, held, owed);
            progressOrEmptyNs = nowNs;
            return false;
        }
        if (dtNs < minIntervalNs) {
            return false; // too close to the last sample to say anything; it accumulates
        }
        long deltaBytes = cumulativeBytes - prevBytes;
        boolean heldAtStart = prevHeldBytes > 0;
        boolean owedAtStart = prevOwedBytes > 0;
        if (deltaBytes > 0 || owed == 0) {
            progressOrEmptyNs = nowNs;
        }
        if (!owedAtStart && deltaBytes == 0) {
            // idle (held nothing) or waiting (held only pages the flusher has not taken up):
            // keep the last good estimate
            rebase(nowNs, cumulativeBytes, held, owed);
            return false;
        }
        double sample = deltaBytes * 1e9 / dtNs;
        lastIntervalBytesPerSec = sample;
        boolean lowerBoundOnly = !everyHeldInterval && (!heldAtStart || held == 0);
        rebase(nowNs, cumulativeBytes, held, owed);
        if (!hasEstimate) {
            // every-held-interval: the held intervals before the first completion count too
            countedNs = everyHeldInterval ? countedNs + dtNs : dtNs;
            if (sample <= 0) {
                return false; // no speed seen yet: nothing to start from
            }
            rateBytesPerSec = everyHeldInterval ? deltaBytes * 1e9 / countedNs : sample;
            varianceBytesPerSec2 = 0;
            lastAlpha = 1.0 - Math.exp(-dtNs / tauNs);
            hasEstimate = true;
            measured = true;
            rateAtProgressBytesPerSec = rateBytesPerSec;
            return true;
        }
        if (lowerBoundOnly && sample <= rateBytesPerSec) {
            if (deltaBytes > 0) {
                rateAtProgressBytesPerSec = rateBytesPerSec;
            }
            return false;
        }
        double alpha = 1.0 - Math.exp(-dtNs / tauNs);
        if (everyHeldInterval) {
            // Until τ of intervals were counted, the plain average of them all (α = Δt / counted):
            // a first interval that caught a burst does not weigh e^(−t/τ) for seconds after.
            countedNs += dtNs;
            alpha = Math.max(alpha, (double) dtNs / countedNs);
        }
        double delta = sample - rateBytesPerSec;
        measured = true;
        rateBytesPerSec += alpha * delta;
        varianceBytesPerSec2 = (1.0 - alpha) * (varianceBytesPerSec2 + alpha * delta * delta);
        lastAlpha = alpha;
        if (deltaBytes > 0) {
            rateAtProgressBytesPerSec = rateBytesPerSec;
        }
        return true;
    }

    private void rebase(long nowNs, long cumulativeBytes, long held, long owed) {
        prevNs = nowNs;
        prevBytes = cumulativeBytes;
        prevHeldBytes = held;
        prevOwedBytes = owed;
    }

    /**
     * Whether there is an estimate: a busy interval was seen, or the estimator was {@link #seed}ed;
     * until then {@link #rateBytesPerSec()} is 0.
     */
    public boolean hasEstimate() {
        return hasEstimate;
    }

    /** Whether an interval of this estimator's own counted (a {@link #seed} alone is not a measurement). */
    public boolean measured() {
        return measured;
    }

    /**
     * Starts the estimate at a rate known from before (a device met in an earlier run:
     * {@code DeviceMemory}), as if measured; the intervals of this run then move it by the EWMA's
     * α instead of replacing it, and a partly idle interval (a lower bound) cannot lower it. Why:
     * the first interval of a burst starts empty and reads a fraction of the device's speed;
     * taken as the estimate it cut a remembered 200 MiB/s device's allowance from 343 MiB to
     * 152 MiB in the first tick of a 400 MiB burst, for the whole burst (bench burst, remembered
     * line, 2026-11-27). Safe on a device slower than remembered: its allowance starts at the
     * remembered one either way, only falls from there, and the estimate follows a k×
     * slowdown within τ·ln k. No effect once an estimate exists; the standard error starts at 0.
     *
     * @param bytesPerSec the rate known from before, &gt; 0 (0: no seed)
     */
    public void seed(double bytesPerSec) {
        if (hasEstimate || !(bytesPerSec > 0) || Double.isInfinite(bytesPerSec)) {
            return;
        }
        rateBytesPerSec = bytesPerSec;
        rateAtProgressBytesPerSec = bytesPerSec;
        varianceBytesPerSec2 = 0;
        lastAlpha = 0;
        countedNs = (long) tauNs; // every-held-interval: the seed weighs as τ of intervals
        hasEstimate = true;
    }

    /** The estimate; the last good one while idle; 0 before any. */
    public double rateBytesPerSec() {
        return rateBytesPerSec;
    }

    /**
     * Standard error of {@link #rateBytesPerSec()}: s · √(α / (2 − α)) (see the class comment);
     * 0 before any estimate and after the first interval.
     */
    public double rateStdErrBytesPerSec() {
        return hasEstimate ? Math.sqrt(varianceBytesPerSec2 * lastAlpha / (2.0 - lastAlpha)) : 0;
    }

    /**
     * The estimate as it stood after the last interval that completed something: what the device
     * was doing before a silence. Unlike {@link #rateBytesPerSec()} it does not fall while nothing
     * completes (the stall guard's grace is measured with it). 0 before any completion.
     */
    public double rateAtProgressBytesPerSec() {
        return rateAtProgressBytesPerSec;
    }

    /** Bytes owed completions (under write-back) at the last sample. */
    public long owedBytes() {
        return owedBytes;
    }

    /** The raw rate of the last interval that counted, for traces. */
    public double lastIntervalBytesPerSec() {
        return lastIntervalBytesPerSec;
    }

    /** Held bytes at the last sample. */
    public long heldBytes() {
        return heldBytes;
    }

    /**
     * How long the device has owed completions (held pages under write-back) without completing
     * any, as of the last sample; 0 when it completed something or owed nothing at the last
     * sample. Dirty pages the flusher has not taken up are no stall.
     */
    public long stalledNs() {
        return owedBytes > 0 ? prevNs - progressOrEmptyNs : 0;
    }

    /** How many times the counter went backwards. */
    public long counterResets() {
        return counterResets;
    }

    /** Back to the state of a new estimator (device replaced). */
    public void reset() {
        based = false;
        hasEstimate = false;
        measured = false;
        rateBytesPerSec = 0;
        varianceBytesPerSec2 = 0;
        lastAlpha = 0;
        countedNs = 0;
        lastIntervalBytesPerSec = 0;
        rateAtProgressBytesPerSec = 0;
        heldBytes = 0;
        owedBytes = 0;
        prevHeldBytes = 0;
        prevOwedBytes = 0;
    }

    public static final class Builder {
        private double tauNs = 500_000_000.0;
        private long minIntervalNs = 10_000_000L;
        private boolean everyHeldInterval;

        private Builder() {
        }

        /**
         * Counts every interval that started holding data at full weight: no waiting or partly
         * idle rule. What that measures is the device's throughput while it holds data, gaps and
         * request-sized bursts included — the rate a drain of it will see (status's time to drain),
         * not its speed: a device completing 1 MiB requests once a second, empty in between,
         * reads 1 MiB/s here where the partly idle rule lets 10 MiB/s intervals raise the law's
         * estimate. Until τ of intervals have been counted the estimate is their plain average
         * (α = max(1 − e^(−Δt/τ), Δt / counted)), so a first interval that caught a burst does not
         * linger.
         */
        public Builder everyHeldInterval() {
            everyHeldInterval = true;
            return this;
        }

        /**
         * Time constant: after a step in true speed the estimate has moved 63 % of the way after
         * τ, 95 % after 3τ. Default 500 ms: five 100 ms samples smooth per-bio bursts, and a 10×
         * slowdown is seen within 20 % in about 2.2 s.
         */
        public Builder tauNs(long v) {
            if (v < 1_000_000L || v > 600_000_000_000L) {
                throw new IllegalArgumentException("tau must be between 1ms and 10min, got " + v + "ns");
            }
            tauNs = v;
            return this;
        }

        /** Samples closer than this to the last one are merged into the next (default 10 ms). */
        public Builder minIntervalNs(long v) {
            if (v < 1 || v > 10_000_000_000L) {
                throw new IllegalArgumentException("min interval must be between 1ns and 10s, got " + v + "ns");
            }
            minIntervalNs = v;
            return this;
        }

        public RateEstimator build() {
            return new RateEstimator(this);
        }
    }
}
