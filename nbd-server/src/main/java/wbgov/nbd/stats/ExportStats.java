package wbgov.nbd.stats;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Cumulative counters of one export, the signals the governor feeds back on. Updated once per
 * completed request (a few atomic adds, nothing allocated); read by {@code stats} and by the
 * governor, which takes differences between two readings.
 */
public final class ExportStats {
    public final AtomicLong requestsCompleted = new AtomicLong();
    public final AtomicLong readsCompleted = new AtomicLong();
    public final AtomicLong writesCompleted = new AtomicLong();
    public final AtomicLong bytesRead = new AtomicLong();
    public final AtomicLong bytesWritten = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong flushes = new AtomicLong();
    public final AtomicLong connectionsOpened = new AtomicLong();
    public final AtomicLong connectionsClosedOnProtocolError = new AtomicLong();
    /** Connections that waited at the start for earlier connections' writes ({@code WriteFence}). */
    public final AtomicLong fenceWaits = new AtomicLong();
    public final LatencyHistogram latency = new LatencyHistogram();
    /**
     * Request age at its reply, µs: from its header read to its reply sent, waits for room
     * included (latency starts at admission). The client's clock started earlier still (its
     * queue, the socket): this is the part the server sees, the one its in-flight limit bounds.
     */
    public final LatencyHistogram age = new LatencyHistogram();
    /** The oldest reply so far, µs ({@link #age}'s top bucket is coarse). */
    public final AtomicLong maxAgeMicros = new AtomicLong();

    /** One request answered at this age (µs). Allocation-free. */
    public void recordAge(long micros) {
        age.record(micros);
        maxAgeMicros.accumulateAndGet(micros, Math::max);
    }
}
