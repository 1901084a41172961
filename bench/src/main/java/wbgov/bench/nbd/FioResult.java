package wbgov.bench.nbd;

import java.util.List;
import java.util.Map;

/**
 * What one fio run measured: IOPS and bytes/s from fio's JSON, and for our server the heap
 * bytes its serving threads allocated per request (NaN when not measured).
 */
public record FioResult(double iops, double bytesPerSec, double allocBytesPerRequest) {
    /**
     * The first job's "read" or "write" figures ({@code iops}, {@code bw_bytes}) of a fio JSON
     * document; IllegalArgumentException when it is not JSON or they are missing.
     */
    public static FioResult parse(String fioJson, boolean read) {
        String section = read ? "read" : "write";
        Object jobs = FioJson.parse(fioJson).get("jobs");
        if (!(jobs instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof Map<?, ?> job)) {
            throw new IllegalArgumentException("no jobs in fio's JSON");
        }
        if (!(job.get(section) instanceof Map<?, ?> figures)) {
            throw new IllegalArgumentException("no " + section + " section in fio's JSON");
        }
        return new FioResult(number(figures, "iops"), number(figures, "bw_bytes"), Double.NaN);
    }

    private static double number(Map<?, ?> figures, String key) {
        if (!(figures.get(key) instanceof Double d)) {
            throw new IllegalArgumentException("fio JSON has no " + key);
        }
        return d;
    }

    /** This result with its allocation per request set. */
    public FioResult withAlloc(double bytesPerRequest) {
        return new FioResult(iops, bytesPerSec, bytesPerRequest);
    }

    /**
     * Of two rounds of one job on one server, the one with more IOPS, with the larger of the two
     * allocations (NaN only when both are): the best throughput, the worst allocation. {@code
     * best} may be null (the first round).
     */
    public static FioResult keep(FioResult best, FioResult round) {
        if (best == null) {
            return round;
        }
        double alloc = Math.max(nanToMinus(best.allocBytesPerRequest), nanToMinus(round.allocBytesPerRequest));
        FioResult faster = round.iops > best.iops ? round : best;
        return faster.withAlloc(alloc < 0 ? Double.NaN : alloc);
    }

    private static double nanToMinus(double v) {
        return Double.isNaN(v) ? -1 : v;
    }
}
