package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.KernelTestSupport;
import wbgov.governor.KernelTestSupport.Loop;
import wbgov.governor.discover.DeviceKind;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;

/**
 * A quiet device is fed to its law once a second, but one that starts writing is seen at the
 * next tick: the global dirtied count moved, so quiet governed devices are read that tick.
 */
class GovernorQuietDeviceTest {
    private static final long TICK_NS = 100_000_000L;

    @TempDir
    Path tmp;

    @Test
    void aQuietDeviceThatStartsWritingIsSeenAtTheNextTick() throws Exception {
        KernelTestSupport.requireDebugfs();
        KernelTestSupport.requireCommand("dd");
        Path img = tmp.resolve("quiet.img");
        try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(128L << 20);
        }
        try (Loop loop = Loop.attach(img)) {
            PolicySet policies = PolicySet.of(List.of(Policy.builder("quiet").priority(10)
                    .kinds(List.of(DeviceKind.LOOP)).names(List.of(loop.name)).drainTargetNs(2_000_000_000L)
                    .floorBytes(16L << 20).ceilingBytes(1L << 30).initialBytes(64L << 20).strict(false).build()));
            Path state = tmp.resolve("state");
            Files.createDirectories(state);
            // a dry run: this test is about what is read, not what is written
            Governor gov = new Governor(new Governor.Config(3_600_000_000_000L, 5_000_000_000L, true,
                    false), policies, DeviceScanner.system(), null);
            try {
                long now = System.nanoTime();
                gov.start(now);
                assertEquals("quiet", gov.policyOf(loop.bdi));
                gov.doWork(now += TICK_NS); // its first reading
                gov.doWork(now += TICK_NS); // nothing moved: quiet from here, next due reading 10 ticks on
                assertEquals(0L, (long) dirtying(gov, loop.bdi), "nothing writes to a fresh loop device");

                KernelTestSupport.run("dd", "if=/dev/zero", "of=" + loop.device, "bs=1M", "count=32");
                gov.doWork(now += TICK_NS);
                // its dirtied count moved (what it holds may be written back already when memory is tight)
                assertTrue(dirtying(gov, loop.bdi) > 0, "32 MiB just written to " + loop.device
                        + " were not seen at the next tick:\n" + gov.status(false));
            } finally {
                gov.close();
            }
        }
    }

    /** How fast one device's writers dirty pages, as status shows it (bytes per second). */
    private static double dirtying(Governor gov, String bdi) {
        return gov.snapshot().devices().stream().filter(d -> d.bdi().equals(bdi)).findFirst()
                .orElseThrow(() -> new AssertionError(bdi + " not in the status:\n" + gov.status(false)))
                .dirtyingBytesPerSec();
    }
}
