package wbgov.bench.nbd;

import java.util.List;

/**
 * One fio job of the comparison: {@code rw}, block size and queue depth as fio takes them;
 * {@code read} when its figures are in fio's "read" section, else in "write".
 */
public record FioJob(String id, String title, String rw, String bs, int depth, boolean read) {
    /** The jobs compared, in report order. */
    public static final List<FioJob> JOBS = List.of(
            new FioJob("randwrite-4k-d32", "4k random write, depth 32", "randwrite", "4k", 32, false),
            new FioJob("randread-4k-d32", "4k random read, depth 32", "randread", "4k", 32, true),
            new FioJob("randwrite-4k-d1", "4k random write, depth 1", "randwrite", "4k", 1, false),
            new FioJob("write-1m-d8", "1M sequential write, depth 8", "write", "1M", 8, false));

    /** The untimed sequential write that fills each export once before the jobs (first touch). */
    public static final FioJob PREFILL = new FioJob("prefill", "first touch", "write", "1M", 8, false);

    /**
     * The IOPS ratio to the best peer this job must reach (issue 3): 1.0 for the 1M sequential
     * write, 0.8 for 4k at depth 32; 0 when it has none.
     */
    public double target() {
        return id.startsWith("write-1m") ? 1.0 : id.endsWith("-d32") ? 0.8 : 0;
    }
}
