package wbgov.nbd.filter;

/**
 * A token bucket in bytes that lets a request go into debt: the emulated speed of a slow device.
 *
 * <pre>
 *   tokens(t) = min(burstBytes, tokens(t0) + rateBytesPerSec * (t - t0))
 *
 *   tokens
 *   burst ┤────────╮        ╭───  refills at rate, capped at burst
 *         │        │      ╱
 *       0 ┼────────┼────╱───────  a request may complete once tokens ≥ 0,
 *         │        │  ╱            and completing subtracts its bytes
 *  -bytes ┤        ╰╱              (a 1 MiB request on a 64 KiB bucket goes into debt)
 * </pre>
 *
 * Allowing debt makes the long-run rate exactly {@code rateBytesPerSec} for requests of any
 * size, larger than the bucket or not, and a late wake-up of the caller costs nothing: tokens
 * accrue meanwhile. The burst cap (20 ms of rate) bounds what an idle device can absorb at once.
 *
 * <p>Contract of {@link #tryConsume}: returns 0 when the request may complete now (and charges
 * it), or the nanoseconds to wait before asking again. Pure: time is an argument. Not
 * thread-safe: one owner (the export's completion stage) calls it.
 */
public final class TokenBucket {
    /** Burst allowance, as a time at the current rate. */
    static final long BURST_NS = 20_000_000L;

    private long rateBytesPerSec;
    private double tokens;
    private long lastNs;
    private boolean started;

    /** @param rateBytesPerSec 0 means unlimited */
    public TokenBucket(long rateBytesPerSec) {
        if (rateBytesPerSec < 0) {
            throw new IllegalArgumentException("rate must be >= 0 bytes/s, got " + rateBytesPerSec);
        }
        this.rateBytesPerSec = rateBytesPerSec;
    }

    public long rateBytesPerSec() {
        return rateBytesPerSec;
    }

    /** Changes the rate from {@code nowNs} on: tokens earned so far were earned at the old rate. */
    public void setRate(long newRateBytesPerSec, long nowNs) {
        if (newRateBytesPerSec < 0) {
            throw new IllegalArgumentException("rate must be >= 0 bytes/s, got " + newRateBytesPerSec);
        }
        refill(nowNs);
        rateBytesPerSec = newRateBytesPerSec;
        tokens = Math.min(tokens, burstBytes());
    }

    /** 0 if a request of {@code bytes} may complete at {@code nowNs} (charged), else ns to wait. */
    public long tryConsume(long bytes, long nowNs) {
        if (rateBytesPerSec == 0 || bytes == 0) {
            return 0;
        }
        refill(nowNs);
        if (tokens >= 0) {
            tokens -= bytes;
            return 0;
        }
        // Time until the debt is paid at the current rate; at least 1 µs so callers never spin.
        double waitNs = -tokens * 1e9 / rateBytesPerSec;
        return Math.max(1_000L, (long) Math.ceil(waitNs));
    }

    private void refill(long nowNs) {
        if (!started) {
            started = true;
            lastNs = nowNs;
            tokens = 0;
            return;
        }
        long elapsedNs = nowNs - lastNs;
        if (elapsedNs > 0) {
            tokens = Math.min(burstBytes(), tokens + rateBytesPerSec * (elapsedNs / 1e9));
            lastNs = nowNs;
        }
    }

    private double burstBytes() {
        return rateBytesPerSec * (BURST_NS / 1e9);
    }
}
