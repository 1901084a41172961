package wbgov.governor.estimate;

/**
 * Completion rate of one device, in bytes per second, from a cumulative byte counter
 * ({@code BdiWritten}) and the bytes the device holds (dirty + writeback). Pure: time is an
 * argument; allocates nothing per update.
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
 *   <li><b>Busy with no completion</b> (held data at the start, completed nothing): a real 0,
 *       taken at full weight: this is how a stalled device's estimate falls toward 0.
 *   <li><b>Counter went backwards</b> (bdi re-registered, counter reset): the sample re-bases,
 *       the estimate is kept, {@link #counterResets()} counts it.
 * </ul>
 * Why an EWMA and not the kernel's figure or a regression: the kernel's figure reads 0 when
 * idle and is missing without debugfs; a sliding-window regression needs a window of samples
 * and reacts to a step only after half a window, where the EWMA's reaction time is {@code τ}
 * whatever the sampling interval. The symmetric average is unbiased on bursty completions;
 * asymmetry (drop fast, rise slowly) belongs to the control law, which knows why.
 */
public final class RateEstimator {
    private final double tauNs;
    private final long minIntervalNs;

    private boolean based;
    private long prevNs;
    private long prevBytes;
    private long prevHeldBytes;
    private boolean hasEstimate;
    private double rateBytesPerSec;
    private double lastIntervalBytesPerSec;
    private long progressOrEmptyNs;
    private long heldBytes;
    private long counterResets;

    private RateEstimator(Builder b) {
        tauNs = b.tauNs;
        minIntervalNs = b.minIntervalNs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Feeds one sample.
     *
     * @param nowNs when it was read (any monotonic nanosecond clock)
     * @param cumulativeBytes bytes completed since some origin (BdiWritten)
     * @param heldBytes dirty + writeback bytes now; 0 when the device holds nothing
     * @return whether the estimate was updated from this sample
     */
    public boolean update(long nowNs, long cumulativeBytes, long heldBytes) {
        long held = Math.max(0, heldBytes);
        this.heldBytes = held;
        if (!based) {
            rebase(nowNs, cumulativeBytes, held);
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
            rebase(nowNs, cumulativeBytes, held);
            progressOrEmptyNs = nowNs;
            return false;
        }
        if (dtNs < minIntervalNs) {
            return false; // too close to the last sample to say anything; it accumulates
        }
        long deltaBytes = cumulativeBytes - prevBytes;
        boolean heldAtStart = prevHeldBytes > 0;
        if (deltaBytes > 0 || held == 0) {
            progressOrEmptyNs = nowNs;
        }
        if (!heldAtStart && deltaBytes == 0) {
            rebase(nowNs, cumulativeBytes, held); // idle: keep the last good estimate
            return false;
        }
        double sample = deltaBytes * 1e9 / dtNs;
        lastIntervalBytesPerSec = sample;
        boolean lowerBoundOnly = !heldAtStart || held == 0;
        rebase(nowNs, cumulativeBytes, held);
        if (!hasEstimate) {
            if (sample <= 0) {
                return false; // no speed seen yet: nothing to start from
            }
            rateBytesPerSec = sample;
            hasEstimate = true;
            return true;
        }
        if (lowerBoundOnly && sample <= rateBytesPerSec) {
            return false;
        }
        double alpha = 1.0 - Math.exp(-dtNs / tauNs);
        rateBytesPerSec += alpha * (sample - rateBytesPerSec);
        return true;
    }

    private void rebase(long nowNs, long cumulativeBytes, long held) {
        prevNs = nowNs;
        prevBytes = cumulativeBytes;
        prevHeldBytes = held;
    }

    /** Whether any busy interval has been seen; until then {@link #rateBytesPerSec()} is 0. */
    public boolean hasEstimate() {
        return hasEstimate;
    }

    /** The estimate; the last good one while idle; 0 before any. */
    public double rateBytesPerSec() {
        return rateBytesPerSec;
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
     * How long the device has held data without completing any, as of the last sample; 0 when it
     * completed something or held nothing at the last sample.
     */
    public long stalledNs() {
        return heldBytes > 0 ? prevNs - progressOrEmptyNs : 0;
    }

    /** How many times the counter went backwards. */
    public long counterResets() {
        return counterResets;
    }

    /** Back to the state of a new estimator (device replaced). */
    public void reset() {
        based = false;
        hasEstimate = false;
        rateBytesPerSec = 0;
        lastIntervalBytesPerSec = 0;
        heldBytes = 0;
        prevHeldBytes = 0;
    }

    public static final class Builder {
        private double tauNs = 500_000_000.0;
        private long minIntervalNs = 10_000_000L;

        private Builder() {
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
