package wbgov.governor.control;

import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicyKey;

/**
 * The in-flight limit of one export of the bundled NBD server: how many bytes and requests it
 * accepts before completing earlier ones. Pure: time is an argument; allocates nothing per
 * update.
 *
 * <h2>The law (Little's law)</h2>
 * <pre>
 *   r_B, r_R   completion rates, bytes/s and requests/s (EWMA, {@link RateEstimator})
 *   L          latency target, s (policy inflight_latency)
 *   C          the clients' request timeout, s ({@code --client-timeout}; ∞ when not told)
 *   L'         = min(L, C / 2)
 *
 *   bytes    = clamp(r_B · L', maxRequestBytes, maxInflightBytes)
 *   requests = clamp(⌈r_R · L'⌉, 1, maxRequests)
 *
 *   bytes ▲
 *     max ┤             ┌──────       never below one request of the export's largest size
 *         │          ╱                (a smaller limit would refuse that request forever:
 *  maxReq ┼────────╱                  the zero the seed forbids), never above max
 *         └──────────────────▶ r_B
 * </pre>
 * In flight = throughput × latency: a limit of r·L lets the server run at the rate it has been
 * completing while a new request waits at most about L behind those already admitted. If the
 * backend gets slower, r falls and the limit with it, so queueing delay stays near L instead of
 * growing with a queue the kernel client keeps full (it fails requests after its timeout). If
 * the backend's latency at depth is below L, the limit is above what is in flight and never
 * binds, so throughput can grow and the limit follows. If the backend's own latency exceeds L
 * even at depth one, the limit settles at one request: the latency target is out of reach and
 * one request at a time is the least delay it can offer.
 *
 * <p><b>The clients' timeout.</b> The kernel client fails a request with EIO once it is older
 * than its timeout ({@code nbd-client -t}): a backend slow enough turns a slow device into lost
 * writes. What the server has admitted waits about limit / r_B behind what is ahead of it, so
 * {@code L' ≤ C/2} keeps a request's age in the server (from its header read: {@code stats}
 * {@code age_p99_us}) under half the timeout at the rate of now. With the default L of 20 ms
 * this binds only under a timeout below 40 ms or a long inflight_latency; what it cannot bound
 * is the wait before the server reads a request (the client's queue, the socket), which the
 * client's own dirty allowance bounds when the governor runs beside the kernel client (held ≤ r ·
 * drain target, so the oldest request is at most about a drain target old).
 *
 * <p>Tracking: down at once beyond a 10 % band, up beyond a 20 % band (Little's law overshoots
 * nothing here: admitted requests complete, unlike dirty pages), so the limit is not rewritten
 * every tick. A stall (requests in flight, none completing for {@code stallNs}) drops the limit
 * to one request. Before any measurement: the initial limit (default 4 MiB, 64 requests: the
 * seed's production throttle ran about 1000 bio vectors, ~4 MB, in flight without loss).
 */
public final class InflightController {
    private final long latencyTargetNs;
    /** L' = min(L, C/2), seconds: the latency the limit is computed with. */
    private final double latencySec;
    private final long clientTimeoutNs;
    private final long minBytes;
    private final long maxBytes;
    private final int maxRequests;
    private final long initialBytes;
    private final int initialRequests;
    private final double downBand;
    private final double upBand;
    private final long stallNs;
    private final RateEstimator bytesRate;
    private final RateEstimator requestsRate;
    private final InflightDecision decision = new InflightDecision();

    private long limitBytes;
    private int limitRequests;

    private InflightController(Builder b) {
        latencyTargetNs = b.latencyTargetNs;
        clientTimeoutNs = b.clientTimeoutNs;
        latencySec = (b.clientTimeoutNs > 0 ? Math.min(b.latencyTargetNs, b.clientTimeoutNs / 2) : b.latencyTargetNs) / 1e9;
        minBytes = b.maxRequestBytes;
        maxBytes = b.maxInflightBytes;
        maxRequests = b.maxRequests;
        initialBytes = Math.max(minBytes, Math.min(maxBytes, b.initialBytes));
        initialRequests = Math.max(1, Math.min(maxRequests, b.initialRequests));
        downBand = b.downBand;
        upBand = b.upBand;
        stallNs = b.stallNs;
        bytesRate = RateEstimator.builder().tauNs(b.rateTauNs).build();
        requestsRate = RateEstimator.builder().tauNs(b.rateTauNs).build();
        limitBytes = initialBytes;
        limitRequests = initialRequests;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder with the policy's in-flight latency target. */
    public static Builder builder(Policy p) {
        return new Builder().latencyTargetNs(p.inflightLatencyNs());
    }

    public long limitBytes() {
        return limitBytes;
    }

    public int limitRequests() {
        return limitRequests;
    }

    public long latencyTargetNs() {
        return latencyTargetNs;
    }

    /** The clients' timeout it keeps ages under half of, ns; 0 when not told. */
    public long clientTimeoutNs() {
        return clientTimeoutNs;
    }

    /** L' = min(L, C/2): the latency the limit is computed with, ns. */
    public long effectiveLatencyNs() {
        return (long) (latencySec * 1e9);
    }

    /**
     * Feeds one reading of the export's counters.
     *
     * @param nowNs when it was read
     * @param completedBytes cumulative bytes of completed write (and read) requests
     * @param completedRequests cumulative completed requests
     * @param inflightBytes bytes accepted and not yet completed
     * @param inflightRequests requests accepted and not yet completed
     * @return this controller's decision, overwritten by the next call
     */
    public InflightDecision update(long nowNs, long completedBytes, long completedRequests, long inflightBytes,
            long inflightRequests) {
        bytesRate.update(nowNs, completedBytes, inflightBytes);
        requestsRate.update(nowNs, completedRequests, inflightRequests);
        long oldBytes = limitBytes;
        int oldRequests = limitRequests;
        InflightDecision.Reason reason = InflightDecision.Reason.HOLD;
        long nextBytes = oldBytes;
        int nextRequests = oldRequests;
        if (requestsRate.stalledNs() >= stallNs || bytesRate.stalledNs() >= stallNs) {
            nextBytes = minBytes;
            nextRequests = 1;
            reason = InflightDecision.Reason.STALLED;
        } else if (!bytesRate.hasEstimate() || !requestsRate.hasEstimate()) {
            nextBytes = initialBytes;
            nextRequests = initialRequests;
            reason = InflightDecision.Reason.INITIAL;
        } else {
            double wantBytes = bytesRate.rateBytesPerSec() * latencySec;
            long targetBytes = wantBytes <= minBytes ? minBytes : wantBytes >= maxBytes ? maxBytes : (long) wantBytes;
            double wantRequests = Math.ceil(requestsRate.rateBytesPerSec() * latencySec);
            int targetRequests = wantRequests <= 1 ? 1 : wantRequests >= maxRequests ? maxRequests : (int) wantRequests;
            boolean down = targetBytes <= oldBytes * (1 - downBand) || targetRequests <= oldRequests * (1 - downBand);
            boolean up = targetBytes >= oldBytes * (1 + upBand) || targetRequests >= oldRequests * (1 + upBand);
            if (down || up) {
                nextBytes = targetBytes;
                nextRequests = targetRequests;
                reason = down ? InflightDecision.Reason.LOWER : InflightDecision.Reason.HIGHER;
            }
        }
        limitBytes = nextBytes;
        limitRequests = nextRequests;
        InflightDecision d = decision;
        d.changed = nextBytes != oldBytes || nextRequests != oldRequests;
        d.reason = d.changed ? reason : InflightDecision.Reason.HOLD;
        d.oldBytes = oldBytes;
        d.newBytes = nextBytes;
        d.oldRequests = oldRequests;
        d.newRequests = nextRequests;
        d.timeNs = nowNs;
        d.rateBytesPerSec = bytesRate.rateBytesPerSec();
        d.rateRequestsPerSec = requestsRate.rateBytesPerSec();
        return d;
    }

    /**
     * Defaults: the policy's inflight_latency ({@link PolicyKey#INFLIGHT_LATENCY}), 32 MiB largest
     * request (NBD's usual maximum), 64 MiB and 1024 requests max.
     */
    public static final class Builder {
        /** Policy inflight_latency's default: one place, the table of {@link PolicyKey}. */
        private long latencyTargetNs = (Long) PolicyKey.INFLIGHT_LATENCY.defaultValue();
        private long maxRequestBytes = 32L << 20;
        private long maxInflightBytes = 64L << 20;
        private int maxRequests = 1024;
        private long initialBytes = 4L << 20;
        private int initialRequests = 64;
        private double downBand = 0.10;
        private double upBand = 0.20;
        private long stallNs = 2_000_000_000L;
        private long rateTauNs = 500_000_000L;
        private long clientTimeoutNs;

        private Builder() {
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                throw new IllegalArgumentException(what);
            }
        }

        /** Latency target L (policy inflight_latency), in that key's range. */
        public Builder latencyTargetNs(long v) {
            PolicyKey.INFLIGHT_LATENCY.check(v);
            latencyTargetNs = v;
            return this;
        }

        /** The export's largest request (its advertised maximum block size): the byte floor. */
        public Builder maxRequestBytes(long v) {
            check(v >= 512 && v <= 1L << 30, "max request must be 512 B..1 GiB, got " + v);
            maxRequestBytes = v;
            return this;
        }

        public Builder maxInflightBytes(long v) {
            check(v >= 512 && v <= 1L << 40, "max in-flight bytes must be 512 B..1 TiB, got " + v);
            maxInflightBytes = v;
            return this;
        }

        public Builder maxRequests(int v) {
            check(v >= 1 && v <= 1 << 20, "max requests must be 1..1048576, got " + v);
            maxRequests = v;
            return this;
        }

        /** Before any measurement (clamped into the limits). */
        public Builder initial(long bytes, int requests) {
            check(bytes >= 512 && requests >= 1, "initial limit must be ≥ 512 B and ≥ 1 request");
            initialBytes = bytes;
            initialRequests = requests;
            return this;
        }

        /** In flight, nothing completing this long: one request. 100 ms..10 min. */
        public Builder stallNs(long v) {
            check(v >= 100_000_000L && v <= 600_000_000_000L, "stall time must be 100ms..10min, got " + v + "ns");
            stallNs = v;
            return this;
        }

        /** The clients' request timeout C (0: not told); the latency used is min(L, C/2). */
        public Builder clientTimeoutNs(long v) {
            check(v >= 0, "client timeout must be >= 0 (0: none), got " + v + "ns");
            clientTimeoutNs = v;
            return this;
        }

        public Builder rateTauNs(long v) {
            check(v >= 10_000_000L && v <= 60_000_000_000L, "rate tau must be 10ms..60s, got " + v + "ns");
            rateTauNs = v;
            return this;
        }

        public InflightController build() {
            check(maxRequestBytes <= maxInflightBytes, "max request " + maxRequestBytes
                    + " above max in-flight bytes " + maxInflightBytes);
            return new InflightController(this);
        }
    }
}
