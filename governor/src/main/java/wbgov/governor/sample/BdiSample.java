package wbgov.governor.sample;

/**
 * One reading of one bdi: mutable, preallocated per device and overwritten in place each tick,
 * so that sampling allocates nothing. All byte counts in bytes (the kernel's kB times 1024).
 * Fields a source could not give are -1.
 */
public final class BdiSample {
    /** When it was read, System.nanoTime() domain. */
    public long timeNs;
    /** BdiReclaimable: dirty, not yet under write-back. */
    public long dirtyBytes = -1;
    /** BdiWriteback: under write-back. */
    public long writebackBytes = -1;
    /** BdiDirtied: cumulative bytes dirtied for this bdi. */
    public long dirtiedBytes = -1;
    /** BdiWritten: cumulative bytes written back (completed) for this bdi. */
    public long writtenBytes = -1;
    /** BdiDirtyThresh: the kernel's current dirty threshold for this bdi. */
    public long bdiThreshBytes = -1;
    /** DirtyThresh: the global dirty threshold. */
    public long globalThreshBytes = -1;
    /** BackgroundThresh: the global background threshold. */
    public long backgroundThreshBytes = -1;
    /** BdiWriteBandwidth: the kernel's own estimate (reads 0 when idle). */
    public long kernelWriteBwBytesPerSec = -1;
    /** /sys/block/X/inflight, writes; -1 for anonymous bdis. */
    public long inflightWrites = -1;
    /** Sectors written from /sys/block/X/stat, in bytes, cumulative; -1 when absent. */
    public long blockWrittenBytes = -1;

    public void copyFrom(BdiSample o) {
        timeNs = o.timeNs;
        dirtyBytes = o.dirtyBytes;
        writebackBytes = o.writebackBytes;
        dirtiedBytes = o.dirtiedBytes;
        writtenBytes = o.writtenBytes;
        bdiThreshBytes = o.bdiThreshBytes;
        globalThreshBytes = o.globalThreshBytes;
        backgroundThreshBytes = o.backgroundThreshBytes;
        kernelWriteBwBytesPerSec = o.kernelWriteBwBytesPerSec;
        inflightWrites = o.inflightWrites;
        blockWrittenBytes = o.blockWrittenBytes;
    }
}
