package wbgov.governor.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import wbgov.governor.KernelTestSupport;
import wbgov.governor.KernelTestSupport.Loop;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.discover.DeviceTable;

/** Sampling the real kernel: counters move under a real writer; the steady loop allocates nothing. */
class BdiSamplerKernelTest {
    static byte[] sink;

    @Test
    void loopDeviceCountersMoveWhileDdWrites() throws Exception {
        KernelTestSupport.requireDebugfs();
        KernelTestSupport.requireCommand("mkfs.ext4");
        KernelTestSupport.requireCommand("dd");
        Path img = Files.createTempFile(Path.of("/dev/shm"), "wbgov-sample", ".img");
        Path mnt = Files.createTempDirectory("wbgov-sample-mnt");
        try {
            KernelTestSupport.run("fallocate", "-l", "256M", img.toString());
            try (Loop loop = Loop.attach(img)) {
                KernelTestSupport.run("mkfs.ext4", "-q", "-F", loop.device);
                KernelTestSupport.run("mount", loop.device, mnt.toString());
                try {
                    DeviceTable table = DeviceScanner.system().scan();
                    int idx = table.indexOf(loop.bdi);
                    assertTrue(idx >= 0, "loop bdi not found");
                    try (BdiSampler s = BdiSampler.open(table, true); SystemSampler sys = SystemSampler.open()) {
                        assertEquals(Sources.DEBUGFS | Sources.BLOCK_STAT | Sources.BLOCK_INFLIGHT, s.sources(idx));
                        BdiSample before = new BdiSample();
                        s.sample(idx, System.nanoTime(), before);
                        SystemSample sysBefore = new SystemSample();
                        sys.sample(System.nanoTime(), sysBefore);
                        assertTrue(before.globalThreshBytes > 0);
                        assertTrue(sysBefore.dirtyThreshBytes > 0);

                        KernelTestSupport.run("dd", "if=/dev/zero", "of=" + mnt.resolve("f"), "bs=1M", "count=64");
                        BdiSample dirty = new BdiSample();
                        s.sample(idx, System.nanoTime(), dirty);
                        long dirtied = dirty.dirtiedBytes - before.dirtiedBytes;
                        assertTrue(dirtied >= 60L << 20, "BdiDirtied moved only " + dirtied);
                        assertTrue(dirty.dirtyBytes + dirty.writebackBytes + (dirty.writtenBytes - before.writtenBytes)
                                >= 60L << 20, "dirty+writeback+written do not account for the write");

                        KernelTestSupport.run("sync", "-f", mnt.resolve("f").toString());
                        BdiSample after = new BdiSample();
                        s.sample(idx, System.nanoTime(), after);
                        long written = after.writtenBytes - before.writtenBytes;
                        long blockWritten = after.blockWrittenBytes - before.blockWrittenBytes;
                        assertTrue(written >= 60L << 20, "BdiWritten moved only " + written);
                        assertTrue(blockWritten >= 60L << 20, "block stat moved only " + blockWritten);
                        SystemSample sysAfter = new SystemSample();
                        sys.sample(System.nanoTime(), sysAfter);
                        assertTrue(sysAfter.dirtiedBytes - sysBefore.dirtiedBytes >= 60L << 20);
                        assertTrue(sysAfter.writtenBytes - sysBefore.writtenBytes >= 60L << 20);
                    }
                } finally {
                    KernelTestSupport.run("umount", mnt.toString());
                }
            }
        } finally {
            Files.deleteIfExists(img);
            Files.deleteIfExists(mnt);
        }
    }

    @Test
    void steadyStateSamplingAllocatesNothing() throws Exception {
        KernelTestSupport.requireDebugfs();
        DeviceTable table = DeviceScanner.system().scan();
        assertTrue(table.size() >= 2, "need several bdis, found " + table.size());
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        KernelTestSupport.require(mx.isThreadAllocatedMemorySupported(), "per-thread allocation counter unsupported");
        long probe = mx.getThreadAllocatedBytes(tid);
        sink = new byte[1 << 20];
        assertTrue(mx.getThreadAllocatedBytes(tid) - probe >= 1 << 20, "allocation counter does not count");
        try (BdiSampler s = BdiSampler.open(table, true); SystemSampler sys = SystemSampler.open()) {
            BdiSample[] out = s.newSamples();
            SystemSample sysOut = new SystemSample();
            for (int i = 0; i < 3_000; i++) {       // warm-up: class loading, JIT
                s.sampleAll(i, out);
                sys.sample(i, sysOut);
            }
            int ticks = 10_000;
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < ticks; i++) {
                s.sampleAll(i, out);
                sys.sample(i, sysOut);
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            System.out.println("steady sampling: " + allocated + " bytes allocated over " + ticks + " ticks of "
                    + table.size() + " bdis + system");
            long deviceSamples = (long) ticks * table.size();
            // a small constant is tolerated (a stray JIT deopt); anything per sample is not
            assertTrue(allocated < 4096, "steady sampling allocated " + allocated + " bytes over " + deviceSamples
                    + " device samples");
            assertEquals(0, s.readErrors());
            assertTrue(out[0].globalThreshBytes > 0);
        }
    }
}
