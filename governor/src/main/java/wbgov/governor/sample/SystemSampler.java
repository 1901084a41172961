package wbgov.governor.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads {@code /proc/vmstat} (global dirty, writeback, thresholds, cumulative dirtied/written)
 * and PSI ({@code /proc/pressure/io}, {@code /proc/pressure/memory}) into a preallocated
 * {@link SystemSample}, allocating nothing per tick (held channels, reused direct buffer,
 * hand parsing). These are the fallback view when debugfs is missing, and the contention signal
 * (PSI) in any case.
 */
public final class SystemSampler implements AutoCloseable {
    private static final byte[][] VMSTAT_KEYS = {
        TextParse.key("nr_dirty "),
        TextParse.key("nr_writeback "),
        TextParse.key("nr_dirty_threshold "),
        TextParse.key("nr_dirty_background_threshold "),
        TextParse.key("nr_dirtied "),
        TextParse.key("nr_written "),
    };
    private static final byte[] SOME = TextParse.key("some ");
    private static final byte[] FULL = TextParse.key("full ");
    private static final byte[] AVG10 = TextParse.key("avg10=");
    private static final byte[] TOTAL = TextParse.key("total=");

    private final FileChannel vmstat;
    private final FileChannel psiIo;
    private final FileChannel psiMemory;
    private final long pageSizeBytes;
    private final int sources;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(16384);
    private final long[] values = new long[VMSTAT_KEYS.length];
    private long readErrors;

    /**
     * @param procRoot normally {@code /proc}
     * @param pageSizeBytes the kernel's page size (vmstat counts pages); see {@link #pageSize}
     */
    public SystemSampler(Path procRoot, long pageSizeBytes) {
        this.pageSizeBytes = pageSizeBytes;
        vmstat = open(procRoot.resolve("vmstat"));
        psiIo = open(procRoot.resolve("pressure/io"));
        psiMemory = open(procRoot.resolve("pressure/memory"));
        sources = (vmstat != null ? Sources.VMSTAT : 0) | (psiIo != null || psiMemory != null ? Sources.PSI : 0);
    }

    /** For the real system. */
    public static SystemSampler open() {
        return new SystemSampler(Path.of("/proc"), pageSize(Path.of("/proc")));
    }

    /**
     * The kernel page size from the first {@code KernelPageSize:} of /proc/self/smaps (Java has
     * no portable call for it; 4096 when it cannot be read). Once, at start.
     */
    public static long pageSize(Path procRoot) {
        try (BufferedReader r = Files.newBufferedReader(procRoot.resolve("self/smaps"))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("KernelPageSize:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 4096;
    }

    private static FileChannel open(Path p) {
        try {
            return FileChannel.open(p, StandardOpenOption.READ);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** The {@link Sources} bits available (VMSTAT, PSI). */
    public int sources() {
        return sources;
    }

    public long readErrors() {
        return readErrors;
    }

    /** Reads everything into {@code out}, in place. */
    public void sample(long nowNs, SystemSample out) {
        sampleVmstat(nowNs, out);
        int len = read(psiIo, true);
        out.ioSomeAvg10Centi = len > 0 ? TextParse.psiField(buf, len, SOME, AVG10, true) : -1;
        out.ioSomeTotalUs = len > 0 ? TextParse.psiField(buf, len, SOME, TOTAL, false) : -1;
        out.ioFullAvg10Centi = len > 0 ? TextParse.psiField(buf, len, FULL, AVG10, true) : -1;
        out.ioFullTotalUs = len > 0 ? TextParse.psiField(buf, len, FULL, TOTAL, false) : -1;
        len = read(psiMemory, true);
        out.memSomeAvg10Centi = len > 0 ? TextParse.psiField(buf, len, SOME, AVG10, true) : -1;
        out.memSomeTotalUs = len > 0 ? TextParse.psiField(buf, len, SOME, TOTAL, false) : -1;
        out.memFullAvg10Centi = len > 0 ? TextParse.psiField(buf, len, FULL, AVG10, true) : -1;
        out.memFullTotalUs = len > 0 ? TextParse.psiField(buf, len, FULL, TOTAL, false) : -1;
    }

    /**
     * Reads only /proc/vmstat into {@code out} (global dirty, writeback, thresholds, dirtied,
     * written), in place; the PSI fields keep their last values. For a tick that needs the
     * global counters but not pressure.
     */
    public void sampleVmstat(long nowNs, SystemSample out) {
        out.timeNs = nowNs;
        int len = read(vmstat, false);
        if (len > 0) {
            TextParse.parseKeyed(buf, len, VMSTAT_KEYS, values);
        } else {
            for (int k = 0; k < values.length; k++) {
                values[k] = -1;
            }
        }
        out.dirtyBytes = pages(values[0]);
        out.writebackBytes = pages(values[1]);
        out.dirtyThreshBytes = pages(values[2]);
        out.backgroundThreshBytes = pages(values[3]);
        out.dirtiedBytes = pages(values[4]);
        out.writtenBytes = pages(values[5]);
    }

    /** @param single the file is generated in one piece (PSI: single_open), see {@link TextParse#readWhole} */
    private int read(FileChannel ch, boolean single) {
        if (ch == null) {
            return -1;
        }
        try {
            return single ? TextParse.readWhole(ch, buf) : TextParse.readFully(ch, buf);
        } catch (IOException e) {
            readErrors++;
            return -1;
        }
    }

    private long pages(long v) {
        return v < 0 ? -1 : v * pageSizeBytes;
    }

    @Override
    public void close() {
        for (FileChannel c : new FileChannel[] {vmstat, psiIo, psiMemory}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // nothing to lose
                }
            }
        }
    }
}
