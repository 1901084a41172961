package wbgov.governor.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.function.Supplier;
import wbgov.nbd.Export;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.stats.ExportStats;
import wbgov.nbd.stats.LatencyHistogram;

/**
 * The bundled NBD server's metrics, per export (label {@code export}), read from the server's
 * own counters at scrape time ({@code serve} has no governor; {@code run --serve} adds these to
 * the governor's). Reading costs the request path nothing but the in-flight limit's lock for
 * the four reads of it (the same lock {@code wbgov ctl} takes).
 *
 * <pre>
 *   wbgov_nbd_inflight_requests                requests accepted and not yet answered
 *   wbgov_nbd_inflight_bytes                   their data bytes
 *   wbgov_nbd_inflight_limit_requests          the limit in requests
 *   wbgov_nbd_inflight_limit_bytes             the limit in bytes
 *   wbgov_nbd_requests_total                   requests answered (any command, any result)
 *   wbgov_nbd_requests_by_type_total{type}     read, write: answered without error; flush: received
 *   wbgov_nbd_read_bytes_total                 bytes read by clients
 *   wbgov_nbd_written_bytes_total              bytes written by clients
 *   wbgov_nbd_request_errors_total             requests answered with an error
 *   wbgov_nbd_request_latency_seconds          histogram, arrival to reply, no _sum (see below)
 *   wbgov_nbd_request_age_seconds              histogram, header read to reply (waits for room included)
 *   wbgov_nbd_request_age_max_seconds          the oldest reply so far
 *   wbgov_nbd_client_timeout_seconds           the clients' timeout it was told (absent: not told)
 *   wbgov_nbd_fence_waits_total                connections that waited for earlier ones' writes
 *   wbgov_nbd_connections_opened_total         connections that completed the handshake
 *   wbgov_nbd_connections_protocol_errors_total connections closed on a protocol error
 * </pre>
 *
 * The latency histogram is the server's {@link LatencyHistogram} (312 log-linear buckets, one
 * atomic add per request) read at powers of two from 1 µs to 2^{@value #LATENCY_MAX_POWER} µs
 * (67 s), which are bounds of its own buckets, so no count is split or guessed; 28 buckets per
 * export rather than 312 series. It keeps no sum of latencies (the request path adds one
 * counter, not two), so there is no {@code _sum}: use quantiles, not the mean.
 */
public final class ExportCollector implements MultiCollector {
    static final int LATENCY_MAX_POWER = 26;

    /** 1 µs, 2 µs, 4 µs … 2^26 µs, in seconds. */
    static final double[] LATENCY_BOUNDS_SECONDS = new double[LATENCY_MAX_POWER + 1];

    static {
        for (int k = 0; k <= LATENCY_MAX_POWER; k++) {
            LATENCY_BOUNDS_SECONDS[k] = (1L << k) / 1e6;
        }
    }

    private final Supplier<List<Export>> exports;

    /** @param exports the server's exports (read at each scrape) */
    public ExportCollector(Supplier<List<Export>> exports) {
        this.exports = exports;
    }

    @Override
    public MetricSnapshots collect() {
        Family inflight = Family.gauge("wbgov_nbd_inflight_requests", "Requests accepted and not yet answered", null);
        Family inflightBytes = Family.gauge("wbgov_nbd_inflight_bytes", "Data bytes of the requests in flight", Unit.BYTES);
        Family limit = Family.gauge("wbgov_nbd_inflight_limit_requests", "In-flight limit, requests", null);
        Family limitBytes = Family.gauge("wbgov_nbd_inflight_limit_bytes", "In-flight limit, bytes", Unit.BYTES);
        Family requests = Family.counter("wbgov_nbd_requests", "Requests answered, any command, any result", null);
        Family byType = Family.counter("wbgov_nbd_requests_by_type",
                "Reads and writes answered without error, flushes received", null);
        Family read = Family.counter("wbgov_nbd_read_bytes", "Bytes read by clients", Unit.BYTES);
        Family written = Family.counter("wbgov_nbd_written_bytes", "Bytes written by clients", Unit.BYTES);
        Family errors = Family.counter("wbgov_nbd_request_errors", "Requests answered with an error", null);
        Family latency = Family.histogram("wbgov_nbd_request_latency_seconds",
                "Time from a request's arrival to its reply", Unit.SECONDS);
        Family age = Family.histogram("wbgov_nbd_request_age_seconds",
                "Time from a request's header read to its reply, waits for room included", Unit.SECONDS);
        Family ageMax = Family.gauge("wbgov_nbd_request_age_max_seconds", "The oldest reply so far", Unit.SECONDS);
        Family clientTimeout = Family.gauge("wbgov_nbd_client_timeout_seconds",
                "The clients' request timeout the server was told (--client-timeout)", Unit.SECONDS);
        Family fenceWaits = Family.counter("wbgov_nbd_fence_waits",
                "Connections that waited at their start for earlier connections' writes", null);
        Family opened = Family.counter("wbgov_nbd_connections_opened", "Connections that completed the handshake", null);
        Family protocolErrors = Family.counter("wbgov_nbd_connections_protocol_errors",
                "Connections closed on a protocol error", null);
        long[] counts = new long[LatencyHistogram.bucketCount()];
        for (Export e : exports.get()) {
            Labels l = Labels.of("export", e.name());
            InflightLimit in = e.inflightLimit();
            inflight.add(in.requests(), l);
            inflightBytes.add(in.bytes(), l);
            limit.add(in.limitRequests(), l);
            limitBytes.add(in.limitBytes(), l);
            ExportStats st = e.stats();
            // The kinds before the total: a request is counted in the total first, so the total
            // read after them is never below their sum.
            byType.add(st.readsCompleted.get(), l.add("type", "read"));
            byType.add(st.writesCompleted.get(), l.add("type", "write"));
            byType.add(st.flushes.get(), l.add("type", "flush"));
            errors.add(st.errors.get(), l);
            requests.add(st.requestsCompleted.get(), l);
            read.add(st.bytesRead.get(), l);
            written.add(st.bytesWritten.get(), l);
            opened.add(st.connectionsOpened.get(), l);
            protocolErrors.add(st.connectionsClosedOnProtocolError.get(), l);
            st.latency.snapshot(counts);
            latency.addHistogram(LATENCY_BOUNDS_SECONDS, cumulativeAtPowersOfTwo(counts), Double.NaN, l);
            st.age.snapshot(counts);
            age.addHistogram(LATENCY_BOUNDS_SECONDS, cumulativeAtPowersOfTwo(counts), Double.NaN, l);
            ageMax.add(st.maxAgeMicros.get() / 1e6, l);
            if (e.clientTimeoutNs() > 0) {
                clientTimeout.add(e.clientTimeoutNs() / 1e9, l);
            }
            fenceWaits.add(st.fenceWaits.get(), l);
        }
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        for (Family f : List.of(inflight, inflightBytes, limit, limitBytes, requests, byType, read, written, errors,
                latency, age, ageMax, clientTimeout, fenceWaits, opened, protocolErrors)) {
            f.addTo(out);
        }
        return out.build();
    }

    /**
     * Cumulative counts at {@link #LATENCY_BOUNDS_SECONDS} from the server's per-bucket counts,
     * and the total last. A bucket is at or under 2^k µs when its exclusive upper bound is: its
     * values are whole microseconds below that bound.
     */
    static long[] cumulativeAtPowersOfTwo(long[] counts) {
        long[] cum = new long[LATENCY_MAX_POWER + 2];
        long seen = 0;
        int k = 0;
        for (int i = 0; i < counts.length; i++) {
            long upper = LatencyHistogram.upperBoundOf(i);
            while (k <= LATENCY_MAX_POWER && (1L << k) < upper) {
                cum[k++] = seen;
            }
            seen += counts[i];
        }
        while (k <= LATENCY_MAX_POWER) {
            cum[k++] = seen;
        }
        cum[LATENCY_MAX_POWER + 1] = seen;
        return cum;
    }
}
