package wbgov.nbd.control;

import java.util.List;
import wbgov.nbd.Export;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.stats.LatencyHistogram;
import wbgov.nbd.stats.ServingAllocation;
import wbgov.nbd.units.Units;

/**
 * The control language, apart from its socket:
 *
 * <pre>
 *   get KEY [EXPORT]          → the value, one line ("stats": one line of key=value per export)
 *   set KEY VALUE [EXPORT]    → "ok"
 *   KEY: inflight | inflight-bytes | rate | latency | stats
 * </pre>
 *
 * Every answer ends with a newline; errors start with "error: " and say what and why. EXPORT
 * defaults to the first (usually only) export.
 */
public final class ControlCommands {
    private final List<Export> exports;

    public ControlCommands(List<Export> exports) {
        this.exports = exports;
    }

    public String execute(String line) {
        String[] w = line.trim().split("\\s+");
        try {
            if (w.length >= 2 && w[0].equals("get")) {
                if (w[1].equals("stats") && w.length == 2) {
                    StringBuilder sb = new StringBuilder();
                    for (Export e : exports) {
                        sb.append(stats(e)).append('\n');
                    }
                    return sb.toString();
                }
                Export e = export(w, 2);
                return get(e, w[1]) + "\n";
            }
            if (w.length >= 3 && w[0].equals("set")) {
                Export e = export(w, 3);
                set(e, w[1], w[2]);
                return "ok\n";
            }
            return "error: expected 'get KEY [EXPORT]' or 'set KEY VALUE [EXPORT]', got '" + line + "'\n";
        } catch (IllegalArgumentException ex) {
            return "error: " + ex.getMessage() + "\n";
        }
    }

    private Export export(String[] w, int index) {
        if (w.length <= index) {
            return exports.get(0);
        }
        if (w.length > index + 1) {
            throw new IllegalArgumentException("too many words");
        }
        for (Export e : exports) {
            if (e.name().equals(w[index])) {
                return e;
            }
        }
        throw new IllegalArgumentException("no export named '" + w[index] + "'");
    }

    private static String get(Export e, String key) {
        switch (key) {
            case "inflight": return Integer.toString(e.inflightLimit().limitRequests());
            case "inflight-bytes": return Long.toString(e.inflightLimit().limitBytes());
            case "rate": return Long.toString(e.emulator().rateBytesPerSec());
            case "latency": return Units.formatDurationNs(e.emulator().latencyNs());
            case "stats": return stats(e);
            default: throw new IllegalArgumentException("unknown key '" + key + "' (known: inflight, inflight-bytes, rate, latency, stats)");
        }
    }

    private static void set(Export e, String key, String value) {
        switch (key) {
            case "inflight": {
                int n;
                try {
                    n = Integer.parseInt(value);
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("inflight: '" + value + "' is not a whole number of requests");
                }
                e.inflightLimit().setLimitRequests(n);
                return;
            }
            case "inflight-bytes":
                e.inflightLimit().setLimitBytes(Units.parseBytes(key, value));
                return;
            case "rate":
                e.emulator().setRate(Units.parseBytes(key, value));
                return;
            case "latency":
                e.emulator().setLatencyNs(Units.parseDurationNs(key, value));
                return;
            case "stats":
                throw new IllegalArgumentException("stats is read-only");
            default:
                throw new IllegalArgumentException("unknown key '" + key + "' (known: inflight, inflight-bytes, rate, latency)");
        }
    }

    /** One line of key=value: cumulative counters, current in flight, latency percentiles, limits. */
    public static String stats(Export e) {
        long[] h = new long[LatencyHistogram.bucketCount()];
        e.stats().latency.snapshot(h);
        long[] a = new long[LatencyHistogram.bucketCount()];
        e.stats().age.snapshot(a);
        InflightLimit l = e.inflightLimit();
        return "export=" + (e.name().isEmpty() ? "\"\"" : e.name())
                + " requests=" + e.stats().requestsCompleted.get()
                + " reads=" + e.stats().readsCompleted.get()
                + " writes=" + e.stats().writesCompleted.get()
                + " bytes_read=" + e.stats().bytesRead.get()
                + " bytes_written=" + e.stats().bytesWritten.get()
                + " errors=" + e.stats().errors.get()
                + " inflight=" + l.requests()
                + " inflight_bytes=" + l.bytes()
                + " limit_inflight=" + l.limitRequests()
                + " limit_inflight_bytes=" + l.limitBytes()
                + " min_inflight_bytes=" + l.minimumBytes()
                + " pool_bytes=" + l.capacityBytes()
                + " backpressure_waits=" + l.waits()
                + " latency_p50_us=" + LatencyHistogram.quantile(h, null, 0.50)
                + " latency_p90_us=" + LatencyHistogram.quantile(h, null, 0.90)
                + " latency_p99_us=" + LatencyHistogram.quantile(h, null, 0.99)
                + " latency_max_us=" + LatencyHistogram.quantile(h, null, 1.0)
                + " age_p50_us=" + LatencyHistogram.quantile(a, null, 0.50)
                + " age_p99_us=" + LatencyHistogram.quantile(a, null, 0.99)
                + " age_max_us=" + e.stats().maxAgeMicros.get()
                + " client_timeout_ns=" + e.clientTimeoutNs()
                + " fence_waits=" + e.stats().fenceWaits.get()
                + " rate=" + e.emulator().rateBytesPerSec()
                + " latency_ns=" + e.emulator().latencyNs()
                + " flushes=" + e.stats().flushes.get()
                + " connections=" + e.stats().connectionsOpened.get()
                + " serving_alloc_bytes=" + ServingAllocation.allocatedBytesNow();
    }
}
