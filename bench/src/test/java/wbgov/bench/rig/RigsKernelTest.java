package wbgov.bench.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.nbd.testing.Peers;

/** The rigs build what they say on the real kernel, and leave nothing behind. */
class RigsKernelTest {
    @TempDir
    Path tmp;

    @Test
    void slowDeviceWritesAtItsRateAndTearsDown() throws Exception {
        RigPeers.require();
        Path fuse;
        try (SlowNbdDevice slow = SlowNbdDevice.builder(tmp.resolve("slow")).rateBytesPerSec(4L << 20).build()) {
            fuse = slow.fuseFile().getParent();
            assertTrue(slow.loopBdi().startsWith("7:"), slow.loopBdi());
            assertTrue(slow.fuseBdi().startsWith("0:"), slow.fuseBdi());
            assertTrue(slow.nbdfusePid() > 0);
            assertEquals(slow.loopBdi(), Sh.mountedDev(slow.mountPoint()));
            // 8 MiB at 4 MiB/s: ~2 s to the device.
            Writer w = Writer.start(slow.mountPoint().resolve("f"), 8L << 20, Writer.Sync.FDATASYNC);
            assertTrue(w.await(60, TimeUnit.SECONDS));
            double s = w.syncSeconds();
            System.out.printf("slow device: 8 MiB + fdatasync at 4 MiB/s emulated: %.2f s (accepted %.3f s)%n", s,
                    w.acceptSeconds());
            assertTrue(s > 1.5 && s < 6, "8 MiB at 4 MiB/s took " + s + " s");
            slow.setRate(0);
            Writer fast = Writer.start(slow.mountPoint().resolve("g"), 32L << 20, Writer.Sync.FDATASYNC);
            assertTrue(fast.await(60, TimeUnit.SECONDS));
            System.out.printf("slow device unlimited: 32 MiB + fdatasync %.2f s%n", fast.syncSeconds());
        }
        // By backing file: the loop device's number is reused at once by whoever attaches next.
        assertFalse(Sh.run("losetup", "-a").contains(fuse.toString()), "loop device still attached");
        assertFalse(Sh.isMounted(fuse), "FUSE still mounted");
        assertFalse(Teardown.pending().stream().anyMatch(p -> p.contains(tmp.toString())), Teardown.pending().toString());
    }

    @Test
    void fastDeviceThrottledAndReset() throws Exception {
        RigPeers.require();
        Peers.require(BlkThrottle.available(), BlkThrottle.whyNot());
        String bdi;
        try (FastDevice fast = FastDevice.builder(tmp.resolve("fast")).sizeBytes(512L << 20)
                .throttleBytesPerSec(100L << 20).build()) {
            bdi = fast.bdi();
            assertEquals(100L << 20, BlkThrottle.writeBps(bdi));
            Writer w = Writer.start(fast.mountPoint().resolve("f"), 200L << 20, Writer.Sync.FDATASYNC);
            assertTrue(w.await(60, TimeUnit.SECONDS));
            System.out.printf("fast device at 100 MiB/s: 200 MiB + fdatasync %.2f s%n", w.syncSeconds());
            assertTrue(w.syncSeconds() > 1.5, "throttle had no effect: " + w.syncSeconds() + " s");
        }
        assertEquals(0, BlkThrottle.writeBps(bdi));
    }

    @Test
    void machineLockIsReentrantAndExcludesOtherProcesses() throws Exception {
        Peers.requireRoot();
        try (MachineLock outer = MachineLock.acquire(MachineLock.DEFAULT_WAIT_NS)) {
            try (MachineLock inner = MachineLock.acquire(1_000_000_000L)) {
                assertFalse(otherProcessCanLock(), "held twice, another process got it");
            }
            assertFalse(otherProcessCanLock(), "released by the inner hold while the outer one remains");
        }
        assertTrue(otherProcessCanLock(), "not released by the last hold");
    }

    /** Whether /proc/locks shows no POSIX lock of this JVM on the lock file (fcntl locks, as Java takes). */
    private static boolean otherProcessCanLock() throws Exception {
        long inode = (Long) Files.getAttribute(MachineLock.FILE, "unix:ino");
        String pid = Long.toString(ProcessHandle.current().pid());
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 5 && f[1].equals("POSIX") && f[4].equals(pid) && f[5].endsWith(":" + inode)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void readsProcSysWhole() throws Exception {
        // Files.readString reads /proc/sys one byte first, and /proc/sys answers EOF at offset 1:
        // 400000000 read as "4". The snapshot must see what sysctl sees.
        for (String k : KernelSnapshot.VM_KNOBS) {
            String viaCat = Sh.run("cat", "/proc/sys/vm/" + k);
            assertEquals(viaCat, Sh.read(Path.of("/proc/sys/vm", k)), k);
        }
    }

    @Test
    void snapshotRestoresBothFormsAndBdiKnobs() throws Exception {
        RigPeers.require();
        try (FastDevice fast = FastDevice.builder(tmp.resolve("fast")).sizeBytes(128L << 20).warm(false).build()) {
            try (KernelSnapshot snap = KernelSnapshot.take()) {
                snap.bdi(fast.bdi());
                snap.setDirtyBytes(400_000_000L);
                snap.setDirtyBackgroundBytes(100_000_000L);
                try (StaticCap cap = StaticCap.apply(snap, List.of(fast.bdi()))) {
                    assertEquals("1", Sh.read(Path.of("/sys/class/bdi", fast.bdi(), "strict_limit")));
                    long kept = Long.parseLong(Sh.read(Path.of("/sys/class/bdi", fast.bdi(), "max_bytes")));
                    assertTrue(Math.abs(kept - (16L << 20)) < (1L << 20), "max_bytes kept " + kept);
                }
                assertEquals(List.of(), snap.differences().stream().filter(d -> d.startsWith("bdi")).toList());
                assertFalse(snap.differences().isEmpty(), "vm.dirty_bytes change not seen");
                snap.restore();
                assertEquals(List.of(), snap.differences());
                for (String k : KernelSnapshot.VM_KNOBS) {
                    assertEquals(snap.savedVm().get(k), Sh.run("cat", "/proc/sys/vm/" + k), k);
                }
            }
        }
    }
}
