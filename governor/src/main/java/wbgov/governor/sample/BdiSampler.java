package wbgov.governor.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceTable;

/**
 * Reads every bdi of a {@link DeviceTable} into preallocated {@link BdiSample}s, allocating
 * nothing per tick: the files are opened once (held {@link FileChannel}s), re-read at offset 0
 * into one reused direct buffer and parsed by hand into primitives.
 *
 * <p>Per device, the sources used: {@code /sys/kernel/debug/bdi/BDI/stats} (dirty, writeback,
 * the kernel's thresholds, cumulative dirtied/written, its bandwidth estimate; kB in the file,
 * bytes in the sample), {@code /sys/block/X/stat} (sectors written, 512 bytes each) and
 * {@code /sys/block/X/inflight}. Without debugfs, {@link BdiSample#writtenBytes} falls back to
 * the block layer's written bytes, the debugfs-only fields stay -1, and {@link #sources(int)}
 * says so. Global dirty totals come from {@link SystemSampler}.
 *
 * <p>The governor builds it without {@code blockCounters}: where debugfs gives a device's stats
 * it reads only that one file per sample (its law uses BdiWritten, the block layer's count only
 * as the fallback, and nothing uses the in-flight count), one pread instead of six.
 *
 * <p>A file that fails to read (device gone between rescans) leaves that source's fields at -1
 * and is counted in {@link #readErrors()}; the loop never throws for one device. Not
 * thread-safe: one sampling thread, as in the daemon's single tick.
 */
public final class BdiSampler implements AutoCloseable {
    private static final int SECTOR_BYTES = 512;
    private static final long KIB = 1024;

    private static final byte[][] STATS_KEYS = {
        TextParse.key("BdiWriteback:"),
        TextParse.key("BdiReclaimable:"),
        TextParse.key("BdiDirtyThresh:"),
        TextParse.key("DirtyThresh:"),
        TextParse.key("BackgroundThresh:"),
        TextParse.key("BdiDirtied:"),
        TextParse.key("BdiWritten:"),
        TextParse.key("BdiWriteBandwidth:"),
    };
    private static final int K_WRITEBACK = 0;
    private static final int K_RECLAIMABLE = 1;
    private static final int K_BDI_THRESH = 2;
    private static final int K_THRESH = 3;
    private static final int K_BG_THRESH = 4;
    private static final int K_DIRTIED = 5;
    private static final int K_WRITTEN = 6;
    private static final int K_BW = 7;

    /** /sys/block/X/stat: field 6 is sectors written. */
    private static final int STAT_WRITE_SECTORS = 6;

    private final DeviceTable table;
    private final FileChannel[] stats;
    private final FileChannel[] blockStat;
    private final FileChannel[] inflight;
    private final int[] sources;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(8192);
    private final long[] values = new long[STATS_KEYS.length];
    private long readErrors;
    private long samples;

    /** Every source of every device: {@link #BdiSampler(DeviceTable, Path, Path, boolean)} with block counters. */
    public BdiSampler(DeviceTable table, Path sysRoot, Path debugfsRoot) {
        this(table, sysRoot, debugfsRoot, true);
    }

    /**
     * Opens the files of every device of {@code table}. Missing files are not an error: that
     * source is simply not used for that device.
     *
     * @param sysRoot normally {@code /sys}
     * @param debugfsRoot normally {@code /sys/kernel/debug}; null for none
     * @param blockCounters also read {@code /sys/block/X/stat} and {@code inflight} of a device
     *     whose debugfs stats are readable; without, {@link BdiSample#blockWrittenBytes} and
     *     {@link BdiSample#inflightWrites} stay -1 for it (block stat is still read where
     *     debugfs is missing: it is then the only completion count)
     */
    public BdiSampler(DeviceTable table, Path sysRoot, Path debugfsRoot, boolean blockCounters) {
        this.table = table;
        int n = table.size();
        stats = new FileChannel[n];
        blockStat = new FileChannel[n];
        inflight = new FileChannel[n];
        sources = new int[n];
        for (int i = 0; i < n; i++) {
            DeviceInfo d = table.get(i);
            if (debugfsRoot != null) {
                stats[i] = open(debugfsRoot.resolve("bdi").resolve(d.bdi()).resolve("stats"));
            }
            if (d.blockDevice() != null && (blockCounters || stats[i] == null)) {
                Path dir = sysRoot.resolve("block").resolve(d.blockDevice());
                blockStat[i] = open(dir.resolve("stat"));
                inflight[i] = blockCounters ? open(dir.resolve("inflight")) : null;
            }
            sources[i] = (stats[i] != null ? Sources.DEBUGFS : 0)
                    | (blockStat[i] != null ? Sources.BLOCK_STAT : 0)
                    | (inflight[i] != null ? Sources.BLOCK_INFLIGHT : 0);
        }
    }

    /** For the real system: mounts debugfs first if absent and {@code allowMountDebugfs}. */
    public static BdiSampler open(DeviceTable table, boolean allowMountDebugfs) {
        boolean debugfs = DebugFs.ensureMounted(DebugFs.DEFAULT_ROOT, allowMountDebugfs);
        return new BdiSampler(table, Path.of("/sys"), debugfs ? DebugFs.DEFAULT_ROOT : null);
    }

    private static FileChannel open(Path p) {
        try {
            return FileChannel.open(p, StandardOpenOption.READ);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    public DeviceTable table() {
        return table;
    }

    public int size() {
        return sources.length;
    }

    /** One preallocated sample per device, to pass to {@link #sampleAll}. */
    public BdiSample[] newSamples() {
        BdiSample[] out = new BdiSample[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new BdiSample();
        }
        return out;
    }

    /** The {@link Sources} bits in use for device {@code index}. */
    public int sources(int index) {
        return sources[index];
    }

    /** Reads that failed since creation (each failed file read counts once). */
    public long readErrors() {
        return readErrors;
    }

    /** Devices sampled since creation. */
    public long samples() {
        return samples;
    }

    /** Samples every device; {@code out[i]} belongs to {@code table().get(i)}. */
    public void sampleAll(long nowNs, BdiSample[] out) {
        for (int i = 0; i < out.length; i++) {
            sample(i, nowNs, out[i]);
        }
    }

    /** Samples device {@code index} into {@code out}, in place. */
    public void sample(int index, long nowNs, BdiSample out) {
        samples++;
        out.timeNs = nowNs;
        out.dirtyBytes = -1;
        out.writebackBytes = -1;
        out.dirtiedBytes = -1;
        out.writtenBytes = -1;
        out.bdiThreshBytes = -1;
        out.globalThreshBytes = -1;
        out.backgroundThreshBytes = -1;
        out.kernelWriteBwBytesPerSec = -1;
        out.inflightWrites = -1;
        out.blockWrittenBytes = -1;

        FileChannel ch = stats[index];
        if (ch != null) {
            int len = read(ch);
            if (len > 0) {
                TextParse.parseKeyed(buf, len, STATS_KEYS, values);
                out.writebackBytes = kib(values[K_WRITEBACK]);
                out.dirtyBytes = kib(values[K_RECLAIMABLE]);
                out.bdiThreshBytes = kib(values[K_BDI_THRESH]);
                out.globalThreshBytes = kib(values[K_THRESH]);
                out.backgroundThreshBytes = kib(values[K_BG_THRESH]);
                out.dirtiedBytes = kib(values[K_DIRTIED]);
                out.writtenBytes = kib(values[K_WRITTEN]);
                out.kernelWriteBwBytesPerSec = kib(values[K_BW]);
            }
        }
        ch = blockStat[index];
        if (ch != null) {
            int len = read(ch);
            if (len > 0) {
                long sectors = TextParse.field(buf, len, STAT_WRITE_SECTORS);
                out.blockWrittenBytes = sectors < 0 ? -1 : sectors * SECTOR_BYTES;
            }
        }
        ch = inflight[index];
        if (ch != null) {
            int len = read(ch);
            if (len > 0) {
                out.inflightWrites = TextParse.field(buf, len, 1);
            }
        }
        if (stats[index] == null) {
            out.writtenBytes = out.blockWrittenBytes;   // fallback: block-layer completions
        }
    }

    private int read(FileChannel ch) {
        try {
            return TextParse.readWhole(ch, buf); // debugfs stats (single_open) and sysfs attributes
        } catch (IOException e) {
            readErrors++;
            return -1;
        }
    }

    private static long kib(long v) {
        return v < 0 ? -1 : v * KIB;
    }

    @Override
    public void close() {
        closeAll(stats);
        closeAll(blockStat);
        closeAll(inflight);
    }

    private static void closeAll(FileChannel[] chs) {
        for (FileChannel c : chs) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // closing a sysfs/debugfs file cannot lose data
                }
            }
        }
    }
}
