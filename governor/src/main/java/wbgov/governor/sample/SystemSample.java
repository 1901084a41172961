package wbgov.governor.sample;

/**
 * One reading of the machine-wide write-back state and pressure: mutable, preallocated,
 * overwritten in place each tick. Bytes are the kernel's pages times the page size. Fields a
 * source could not give are -1.
 */
public final class SystemSample {
    /** When it was read, System.nanoTime() domain. */
    public long timeNs;
    /** nr_dirty. */
    public long dirtyBytes = -1;
    /** nr_writeback. */
    public long writebackBytes = -1;
    /** nr_dirty_threshold: the global dirty limit now. */
    public long dirtyThreshBytes = -1;
    /** nr_dirty_background_threshold. */
    public long backgroundThreshBytes = -1;
    /** nr_dirtied: cumulative. */
    public long dirtiedBytes = -1;
    /** nr_written: cumulative. */
    public long writtenBytes = -1;
    /** PSI io "some" avg10, in hundredths of a percent (1.23 % → 123). */
    public long ioSomeAvg10Centi = -1;
    /** PSI io "some" total stall, microseconds, cumulative. */
    public long ioSomeTotalUs = -1;
    /** PSI io "full" avg10, hundredths of a percent. */
    public long ioFullAvg10Centi = -1;
    /** PSI io "full" total, microseconds. */
    public long ioFullTotalUs = -1;
    /** PSI memory "some" avg10, hundredths of a percent. */
    public long memSomeAvg10Centi = -1;
    /** PSI memory "some" total, microseconds. */
    public long memSomeTotalUs = -1;
    /** PSI memory "full" avg10, hundredths of a percent. */
    public long memFullAvg10Centi = -1;
    /** PSI memory "full" total, microseconds. */
    public long memFullTotalUs = -1;
}
