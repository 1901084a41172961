package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.actuate.BdiKnobs;
import wbgov.governor.discover.DeviceScanner;
import wbgov.governor.journal.KnobJournal;
import wbgov.governor.policy.Policy;
import wbgov.governor.policy.PolicySet;

/**
 * What {@code status} (and metrics, and drain) read, {@link Governor#snapshot()}, against the
 * plant of {@link FakeKernel}: a slow governed disk mounted somewhere, a disk no policy matches
 * and an unattached loop device. Each number is checked against its definition tick by tick
 * (drain = held / rate, over target = drain above the target), and the table and JSON are
 * checked to show them.
 */
class GovernorSnapshotTest {
    private static final long MIB = 1L << 20;
    private static final long TICK_NS = 100_000_000L;

    @TempDir
    Path tmp;

    private FakeKernel k;
    private Governor gov;
    private long now = 1_000_000_000L;

    private void start() throws Exception {
        k = new FakeKernel(tmp, 400 * MIB);
        FakeKernel.Dev sdb = k.plug("sdb", "8:16", MIB);
        k.plug("vda", "254:0", 100 * MIB);
        k.plug("loop0", "7:0", 0); // no backing file: unattached
        Files.writeString(k.proc.resolve("self/mountinfo"), "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                + "31 27 8:16 / /media/slow rw,relatime - vfat /dev/sdb rw\n");
        sdb.dirty = 3 * MIB; // it holds data before the governor first meets it
        k.step(0);
        PolicySet ps = PolicySet.of(List.of(
                Policy.builder("slow").priority(10).names(List.of("sdb")).drainTargetNs(2_000_000_000L)
                        .floorBytes(MIB).ceilingBytes(1L << 30).initialBytes(4 * MIB).strict(true).build(),
                Policy.builder("loops").priority(10).names(List.of("loop*")).drainTargetNs(2_000_000_000L)
                        .floorBytes(MIB).ceilingBytes(1L << 30).initialBytes(4 * MIB).strict(true).build()));
        BdiKnobs knobs = new BdiKnobs(k.sys, k.proc, FakeKernel.PAGE, new KnobJournal(tmp.resolve("state")));
        gov = new Governor(new Governor.Config(60_000_000_000L, 5_000_000_000L, false, false), ps,
                new DeviceScanner(k.sys, k.proc, null), knobs, k.roots());
        gov.start(now);
        gov.doWork(now += TICK_NS); // its first reading (the plant has not moved)
    }

    private GovernorSnapshot.Device device(String bdi) {
        return gov.snapshot().devices().stream().filter(d -> d.bdi().equals(bdi)).findFirst()
                .orElseThrow(() -> new AssertionError(bdi + " not in the snapshot"));
    }

    private void tick() throws Exception {
        k.step(0.1);
        gov.doWork(now += TICK_NS);
    }

    /** The definitions every reading must satisfy. */
    private static void assertConsistent(GovernorSnapshot.Device d) {
        long held = d.heldBytes();
        if (held == 0) {
            assertEquals(0.0, d.drainSeconds(), "holds nothing: drains in 0 s");
        } else if (d.stalled() || d.completionBytesPerSec() == null) {
            assertNull(d.drainSeconds(), "stalled or not measured: no drain time");
        } else {
            // held over the lower of the law's rate and the throughput while holding data
            // (SnapshotReader): never shorter than held / the law's rate, and on this steady
            // plant within a quarter of it
            assertNotNull(d.drainSeconds(), "measured, not stalled: a drain time");
            double byLaw = held / d.completionBytesPerSec();
            assertTrue(d.drainSeconds() >= byLaw * (1 - 1e-9), "shorter than held / rate: " + d.drainSeconds());
            assertEquals(byLaw, d.drainSeconds(), 0.25 * byLaw, "held / rate");
        }
        if (d.drainSecondsUpper() != null && d.drainSeconds() != null) {
            assertTrue(d.drainSecondsUpper() >= d.drainSeconds(), "the upper end below the estimate");
        }
        boolean over = held > 0 && (d.drainSeconds() == null ? d.stalled() : d.drainSeconds() > d.drainTargetSeconds());
        assertEquals(over, d.overTarget(), "over target: drain " + d.drainSeconds() + " s, target "
                + d.drainTargetSeconds() + " s, stalled " + d.stalled());
    }

    @Test
    void nullsBeforeAMeasurementThenDrainIsHeldOverRate() throws Exception {
        start();
        try {
            GovernorSnapshot.Device sdb = device("8:16");
            assertTrue(sdb.governed());
            assertEquals("slow", sdb.policy());
            assertEquals("sdb", sdb.blockDevice());
            assertEquals(List.of("/media/slow"), sdb.mountPoints());
            assertEquals(3 * MIB, sdb.heldBytes());
            assertNull(sdb.completionBytesPerSec(), "no rate before a measurement");
            assertNull(sdb.drainSeconds(), "holds 3 MiB at an unknown rate: unknown, not 0");
            assertNull(sdb.drainSecondsUpper());
            assertFalse(sdb.overTarget(), "unknown is not over the target");
            assertEquals(2.0, sdb.drainTargetSeconds());
            assertEquals(4 * MIB, sdb.allowanceBytes(), "its policy's initial allowance");
            assertEquals(4 * MIB, sdb.kernelMaxBytes(), "and the kernel reads it back");
            assertEquals(Boolean.TRUE, sdb.strict());
            assertNull(sdb.metBeforeEpochSeconds());

            // A disk no policy matches: only observed; the kernel's own allowance shows.
            GovernorSnapshot.Device vda = device("254:0");
            assertFalse(vda.governed());
            assertNull(vda.policy());
            assertNull(vda.allowanceBytes());
            assertNull(vda.drainTargetSeconds());
            assertNull(vda.state());
            assertEquals(k.knob("254:0", "max_bytes"), vda.kernelMaxBytes());
            assertEquals(400 * MIB, vda.kernelMaxBytes());
            assertEquals(Boolean.FALSE, vda.strict());

            // An unattached loop device: listed, not attached, not governed even though a policy matches.
            GovernorSnapshot.Device loop = device("7:0");
            assertFalse(loop.attached());
            assertFalse(loop.governed());

            // Written hard: each tick's reading obeys the definitions; over a while it is measured
            // and held near its rate × target (1 MiB/s × 2 s).
            k.devices.get("sdb").dirtyingBytesPerSec = 50 * MIB;
            for (int i = 0; i < 200; i++) {
                tick();
                assertConsistent(device("8:16"));
            }
            sdb = device("8:16");
            assertNotNull(sdb.completionBytesPerSec());
            assertEquals(MIB, sdb.completionBytesPerSec(), 0.2 * MIB, "the measured rate");
            assertNotNull(sdb.drainSeconds());
            assertTrue(sdb.drainSeconds() <= 3.5, "held about its target's worth: " + sdb.drainSeconds() + " s");
            assertNotNull(sdb.state());

            // Ten times slower: what it holds now takes longer than its target, until the law
            // has cut it down. Some tick sees it over its target.
            k.devices.get("sdb").completionBytesPerSec = MIB / 10.0;
            boolean sawOver = false;
            for (int i = 0; i < 100; i++) {
                tick();
                GovernorSnapshot.Device d = device("8:16");
                assertConsistent(d);
                sawOver |= d.overTarget() && d.drainSeconds() != null && d.drainSeconds() > 2;
            }
            assertTrue(sawOver, "a device 10× slower than it was never showed over its target");

            // Completing nothing while holding data: stalled, no drain time, over its target.
            k.devices.get("sdb").completionBytesPerSec = 0;
            for (int i = 0; i < 100; i++) {
                tick();
                assertConsistent(device("8:16"));
            }
            sdb = device("8:16");
            assertTrue(sdb.stalled());
            assertNull(sdb.drainSeconds());
            assertTrue(sdb.overTarget());
            assertTrue(sdb.noProgressSeconds() > 5, "no progress for " + sdb.noProgressSeconds() + " s");

            // The table shows what the snapshot says; the loop device only with --all.
            String table = gov.status("status");
            assertTrue(table.lines().anyMatch(l -> l.startsWith("! sdb ") && l.contains("stalled/2s")), table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("  vda ") && l.contains("kernel 400M")), table);
            assertFalse(table.contains("loop0"), table);
            assertTrue(table.contains("1 unattached loop device not shown"), table);
            assertTrue(gov.status("status all").lines().anyMatch(l -> l.contains("loop0") && l.contains("unattached")));
            // by mount point (percent-encoded in the request), only that device
            String mine = gov.status(new StatusRequest(false, false, StatusRequest.Style.PLAIN,
                    List.of("/media/slow/")).line());
            assertTrue(mine.contains("sdb") && !mine.contains("vda"), mine);
        } finally {
            gov.close();
        }
    }
}
