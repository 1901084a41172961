package wbgov.governor.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.discover.DeviceTable;

/** Parsing of text captured from kernel 6.18, through the samplers, on a fake tree. */
class SamplerParseTest {
    static final String STATS = ""
            + "BdiWriteback:              512 kB\n"
            + "BdiReclaimable:          65536 kB\n"
            + "BdiDirtyThresh:         608140 kB\n"
            + "DirtyThresh:           4865360 kB\n"
            + "BackgroundThresh:      2429708 kB\n"
            + "BdiDirtied:             131072 kB\n"
            + "BdiWritten:              65024 kB\n"
            + "BdiWriteBandwidth:      102400 kBps\n"
            + "b_dirty:                     3\n"
            + "b_io:                        0\n"
            + "b_more_io:                   0\n"
            + "b_dirty_time:                0\n"
            + "bdi_list:                    1\n"
            + "state:                       1\n";
    static final String BLOCK_STAT = "   35823     6577  2011466    14988    19676     6804  1519960     4094"
            + "        0     5056    19604     5037       32   158536      328     4252      192\n";
    static final String VMSTAT = "nr_free_pages 5000000\nnr_dirty 45\nnr_writeback 2\nnr_writeback_temp 0\n"
            + "nr_dirtied 206419\nnr_written 182082\nnr_dirty_threshold 1220113\n"
            + "nr_dirty_background_threshold 609311\npgpgin 1\n";
    static final String PSI_IO = "some avg10=1.23 avg60=0.13 avg300=0.38 total=2701934\n"
            + "full avg10=0.5 avg60=0.12 avg300=0.34 total=2506161\n";

    @TempDir
    Path root;

    @Test
    void bdiSamplerParsesDebugfsAndBlockStat() throws IOException {
        Path sys = root.resolve("sys");
        Path dbg = root.resolve("debug");
        Files.createDirectories(dbg.resolve("bdi/7:0"));
        Files.writeString(dbg.resolve("bdi/7:0/stats"), STATS);
        Files.createDirectories(sys.resolve("block/loop0"));
        Files.writeString(sys.resolve("block/loop0/stat"), BLOCK_STAT);
        Files.writeString(sys.resolve("block/loop0/inflight"), "       0        7\n");
        DeviceTable t = new DeviceTable(List.of(
                new DeviceInfo("7:0", "loop0", DeviceKind.LOOP, "loop", false, false, "", "", "", List.of(), "",
                        List.of())));
        try (BdiSampler s = new BdiSampler(t, sys, dbg)) {
            BdiSample out = new BdiSample();
            s.sample(0, 42L, out);
            assertEquals(42L, out.timeNs);
            assertEquals(512 * 1024L, out.writebackBytes);
            assertEquals(65536 * 1024L, out.dirtyBytes);
            assertEquals(608140 * 1024L, out.bdiThreshBytes);
            assertEquals(4865360 * 1024L, out.globalThreshBytes);
            assertEquals(2429708 * 1024L, out.backgroundThreshBytes);
            assertEquals(131072 * 1024L, out.dirtiedBytes);
            assertEquals(65024 * 1024L, out.writtenBytes);
            assertEquals(102400 * 1024L, out.kernelWriteBwBytesPerSec);
            assertEquals(1519960 * 512L, out.blockWrittenBytes);
            assertEquals(7, out.inflightWrites);
            assertEquals(Sources.DEBUGFS | Sources.BLOCK_STAT | Sources.BLOCK_INFLIGHT, s.sources(0));
            assertEquals("debugfs+block-stat+inflight", Sources.describe(s.sources(0)));
        }
        // without debugfs: completion falls back to the block layer, the rest is unknown
        try (BdiSampler s = new BdiSampler(t, sys, null)) {
            BdiSample out = new BdiSample();
            s.sample(0, 1L, out);
            assertEquals(-1, out.dirtyBytes);
            assertEquals(1519960 * 512L, out.writtenBytes);
            assertEquals("block-stat+inflight", Sources.describe(s.sources(0)));
        }
    }

    @Test
    void systemSamplerParsesVmstatAndPsi() throws IOException {
        Path proc = root.resolve("proc");
        Files.createDirectories(proc.resolve("pressure"));
        Files.writeString(proc.resolve("vmstat"), VMSTAT);
        Files.writeString(proc.resolve("pressure/io"), PSI_IO);
        Files.writeString(proc.resolve("pressure/memory"),
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=12.00 avg60=0.00 avg300=0.00 total=9\n");
        try (SystemSampler s = new SystemSampler(proc, 4096)) {
            SystemSample out = new SystemSample();
            s.sample(5L, out);
            assertEquals(45 * 4096L, out.dirtyBytes);
            assertEquals(2 * 4096L, out.writebackBytes);
            assertEquals(1220113 * 4096L, out.dirtyThreshBytes);
            assertEquals(609311 * 4096L, out.backgroundThreshBytes);
            assertEquals(206419 * 4096L, out.dirtiedBytes);
            assertEquals(182082 * 4096L, out.writtenBytes);
            assertEquals(123, out.ioSomeAvg10Centi);
            assertEquals(2701934, out.ioSomeTotalUs);
            assertEquals(50, out.ioFullAvg10Centi);
            assertEquals(2506161, out.ioFullTotalUs);
            assertEquals(0, out.memSomeAvg10Centi);
            assertEquals(1200, out.memFullAvg10Centi);
            assertEquals(9, out.memFullTotalUs);
            assertEquals(Sources.VMSTAT | Sources.PSI, s.sources());
        }
    }

    @Test
    void textParsePieces() {
        ByteBuffer b = ByteBuffer.allocateDirect(256);
        byte[] txt = "DirtyThresh:   77 kB\nBdiDirtyThresh:  5 kB\n".getBytes(StandardCharsets.US_ASCII);
        b.put(txt);
        long[] out = new long[2];
        TextParse.parseKeyed(b, txt.length, new byte[][] {TextParse.key("BdiDirtyThresh:"),
            TextParse.key("DirtyThresh:")}, out);
        assertEquals(5, out[0]);
        assertEquals(77, out[1]);
        assertEquals(-1, TextParse.field(b, txt.length, 99));
    }
}
