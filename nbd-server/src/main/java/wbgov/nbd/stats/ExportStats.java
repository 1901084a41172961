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
    public final LatencyHistogram latency = new LatencyHistogram();
}
