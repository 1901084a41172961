package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;
import wbgov.governor.policy.Policy;
import wbgov.governor.sample.BdiSample;

/** Hand-made samples with exact expected values (STYLE.md §1). */
class DrainTimeControllerTest {
    private static BdiSample sample(long timeMs, long dirtyBytes, long writebackBytes, long writtenBytes) {
        BdiSample s = new BdiSample();
        s.timeNs = timeMs * MS;
        s.dirtyBytes = dirtyBytes;
        s.writebackBytes = writebackBytes;
        s.writtenBytes = writtenBytes;
        return s;
    }

    private static DrainTimeController.Builder base() {
        return DrainTimeController.builder().drainTargetNs(2_000 * MS).floorBytes(2 * MIB).ceilingBytes(256 * MIB)
                .initialBytes(4 * MIB).strict(true).rateTauNs(1_000 * MS).riseHoldNs(0);
    }

    @Test
    void initialBeforeAnyMeasurement() {
        DrainTimeController c = base().build();
        assertEquals(4 * MIB, c.allowanceBytes());
        Decision d = c.update(sample(0, 3 * MIB, MIB, 0));
        assertFalse(d.changed);
        assertEquals(Decision.Reason.HOLD, d.reason);
        assertEquals(4 * MIB, d.newBytes);
        assertEquals(4 * MIB, d.targetBytes);
    }

    /**
     * A device remembered at 100 MiB/s starts at 200 MiB (× 2 s); a burst's first interval, empty
     * at its start, reads 40 MiB/s: the allowance stays (it was cut to 80 MiB for the whole burst
     * when that interval became the estimate). A busy second at 40 MiB/s then moves it by α = 1 − e⁻¹.
     */
    @Test
    void aRememberedRateIsNotReplacedByTheFirstIntervalOfABurst() {
        DrainTimeController c = base().ceilingBytes(1024 * MIB).rememberedRate(100.0 * MIB).build();
        assertEquals(200 * MIB, c.allowanceBytes());
        assertEquals(Decision.Reason.REMEMBERED, c.initialDecision().reason);
        assertFalse(c.hasEstimate(), "remembered, not measured in this run");
        Decision d = c.update(sample(0, 0, 0, 0));
        assertFalse(d.changed);
        d = c.update(sample(100, 100 * MIB, 50 * MIB, 4 * MIB)); // 40 MiB/s from empty
        assertFalse(d.changed, d.toString());
        assertEquals(200 * MIB, c.allowanceBytes());
        assertFalse(c.hasEstimate());
        d = c.update(sample(1100, 100 * MIB, 50 * MIB, 44 * MIB)); // busy throughout, 1 s: 40 MiB/s
        double rate = 100.0 * MIB + (1 - Math.exp(-1.0)) * (40.0 - 100.0) * MIB;
        assertEquals(rate, d.rateBytesPerSec, 1e-3);
        assertTrue(c.hasEstimate());
        assertTrue(d.changed);
        assertEquals(Decision.Reason.SLOWER, d.reason);
        assertEquals((long) (rate * 2), d.newBytes);
        assertEquals(130_176_026L, d.newBytes); // 124.1 MiB
    }

    @Test
    void risesInStepsThenDropsAtOnce() {
        DrainTimeController c = base().build();
        c.update(sample(0, 3 * MIB, MIB, 0));
        // 1 MiB in 100 ms: 10 MiB/s; target 10 MiB/s × 2 s = 20 MiB; one rise is at most ×4
        Decision d = c.update(sample(100, 3 * MIB, MIB, MIB));
        assertTrue(d.changed);
        assertEquals(Decision.Reason.FASTER, d.reason);
        assertEquals(4 * MIB, d.oldBytes);
        assertEquals(16 * MIB, d.newBytes);
        assertEquals(20 * MIB, d.targetBytes);
        assertEquals(10.0 * MIB, d.rateBytesPerSec, 1e-6);
        assertEquals(0.4, d.drainSeconds, 1e-12);
        d = c.update(sample(200, 3 * MIB, MIB, 2 * MIB));
        assertEquals(20 * MIB, d.newBytes);
        // within the band: no write
        d = c.update(sample(300, 3 * MIB, MIB, 3 * MIB));
        assertFalse(d.changed);
        assertEquals(20 * MIB, c.allowanceBytes());
        // nothing completes in 100 ms while 4 MiB are held: rate 10·e^-0.1 MiB/s
        d = c.update(sample(400, 3 * MIB, MIB, 3 * MIB));
        assertFalse(d.changed, "18.1 MiB is within 10 % of 20 MiB");
        d = c.update(sample(500, 3 * MIB, MIB, 3 * MIB));
        double rate = 10.0 * MIB * Math.exp(-0.2);
        assertTrue(d.changed);
        assertEquals(Decision.Reason.SLOWER, d.reason);
        assertEquals((long) (rate * 2), d.newBytes);
        assertEquals(17_170_028L, d.newBytes);
        assertEquals("20M → 16.4M, completions slowed (rate 8.2M/s, held 4M, drain 0.49s, target 16.4M)",
                d.toString());
    }

    /**
     * A device drains a 200 MiB burst at 200 MiB/s and rests: the rise confirmed after riseHold
     * goes straight up to the 200 MiB it proved it can drain (not ×4 per riseHold, which it
     * cannot confirm while idle); the next confirmed step reaches the target, rate × 2 s.
     */
    @Test
    void riseAfterABurstGoesUpToWhatTheDeviceDrained() {
        DrainTimeController c = base().riseHoldNs(1_000 * MS).ceilingBytes(1_024 * MIB).build();
        long written = 0;
        c.update(sample(0, 0, 0, written));
        Decision d = null;
        for (int t = 100; t <= 1_000; t += 100) { // busy: 20 MiB per 100 ms, 4 MiB held
            written += 20 * MIB;
            d = c.update(sample(t, 2 * MIB, 2 * MIB, written));
        }
        assertEquals(4 * MIB, c.allowanceBytes(), "riseHold not over yet: " + d);
        d = c.update(sample(1_100, 0, 0, written)); // drained: 200 MiB in this busy stretch
        assertTrue(d.changed, d.toString());
        assertEquals(200 * MIB, d.newBytes, "×4 would give 16 MiB: " + d);
        for (int t = 1_200; t <= 2_100; t += 100) {
            d = c.update(sample(t, 0, 0, written));
        }
        assertEquals(Math.min(800 * MIB, (long) (d.rateBytesPerSec * 2)), c.allowanceBytes(), d.toString());
        assertTrue(c.allowanceBytes() > 300 * MIB, d.toString());
    }

    @Test
    void riseWaitsForRiseHold() {
        DrainTimeController c = base().riseHoldNs(1_000 * MS).build();
        c.update(sample(0, 3 * MIB, MIB, 0));
        for (int i = 1; i <= 10; i++) {
            Decision d = c.update(sample(i * 100, 3 * MIB, MIB, i * MIB));
            assertFalse(d.changed, "tick " + i);
        }
        Decision d = c.update(sample(1_100, 3 * MIB, MIB, 11 * MIB));
        assertTrue(d.changed);
        assertEquals(16 * MIB, d.newBytes);
    }

    @Test
    void stallGoesToFloor() {
        DrainTimeController c = base().build();
        c.update(sample(0, 3 * MIB, MIB, 0));
        c.update(sample(100, 3 * MIB, MIB, MIB));
        c.update(sample(200, 3 * MIB, MIB, 2 * MIB));
        assertEquals(20 * MIB, c.allowanceBytes());
        Decision d = null;
        int t = 200;
        while (t < 5_000) {
            t += 100;
            d = c.update(sample(t, 3 * MIB, MIB, 2 * MIB));
            if (d.reason == Decision.Reason.STALLED) {
                break;
            }
        }
        assertEquals(2_300, t, "2 s after the last completion, plus the 1 MiB under write-back at 10 MiB/s (0.1 s)");
        assertEquals(2 * MIB, d.newBytes);
        assertTrue(d.toString().contains("no completion while writing back: floor"), d.toString());
    }

    /**
     * Dirty pages the flusher has not taken up (64 KiB of metadata left after a burst, waiting
     * for dirty_expire) are not a stall: nothing is under write-back, so no completion is owed.
     * The rate and the allowance stay; once the same 64 KiB sit under write-back without
     * completing, it is a stall, timed from the last sample that owed nothing.
     */
    @Test
    void dirtyPagesNotUnderWritebackAreWaitingNotStuck() {
        DrainTimeController c = base().build();
        c.update(sample(0, 3 * MIB, MIB, 0));
        c.update(sample(100, 3 * MIB, MIB, MIB));
        c.update(sample(200, 3 * MIB, MIB, 2 * MIB));
        assertEquals(20 * MIB, c.allowanceBytes());
        // the last pages under write-back complete; 64 KiB of metadata stay dirty
        c.update(sample(300, 64 << 10, 0, 3 * MIB));
        double rate = c.rateBytesPerSec();
        Decision d = null;
        for (int t = 400; t <= 30_000; t += 100) {
            d = c.update(sample(t, 64 << 10, 0, 3 * MIB));
            assertFalse(d.stalled, "not stalled at t=" + t);
        }
        assertEquals(20 * MIB, c.allowanceBytes());
        assertEquals(rate, c.rateBytesPerSec(), 1e-9, "a waiting device keeps its last good estimate");
        int t = 30_000;
        while (!d.stalled && t < 35_000) {
            t += 100;
            d = c.update(sample(t, 0, 64 << 10, 3 * MIB));
        }
        assertEquals(32_100, t, "2 s after the last sample with nothing under write-back (t = 30 s), plus 64 KiB at ~10 MiB/s "
                + "(6 ms: the next tick)");
        assertEquals(2 * MIB, d.newBytes);
    }

    /** A drain asked for: the floor at once, above every other rule; released, back up in the tracker's steps. */
    @Test
    void drainingHoldsTheFloorThenTheLawTakesItBack() {
        DrainTimeController c = base().build();
        c.update(sample(0, 3 * MIB, MIB, 0));
        c.update(sample(100, 3 * MIB, MIB, MIB));
        c.update(sample(200, 3 * MIB, MIB, 2 * MIB));
        assertEquals(20 * MIB, c.allowanceBytes());
        Decision d = c.update(sample(300, 3 * MIB, MIB, 3 * MIB), -1, true);
        assertTrue(d.changed);
        assertEquals(2 * MIB, d.newBytes);
        assertEquals(Decision.Reason.DRAINING, d.reason);
        assertEquals("draining", d.state());
        d = c.update(sample(400, 2 * MIB, MIB, 4 * MIB), -1, true);
        assertFalse(d.changed, "held at the floor");
        d = c.update(sample(500, 2 * MIB, MIB, 5 * MIB), -1, false);
        assertEquals("tracking", d.state());
        assertEquals(Decision.Reason.FASTER, d.reason);
        assertEquals(8 * MIB, d.newBytes, "back up by the tracker's ×4 step, not at once");
    }

    @Test
    void fromPolicy() {
        Policy p = Policy.builder("usb").drainTargetNs(3_000 * MS).floorBytes(3 * MIB).ceilingBytes(64 * MIB)
                .initialBytes(5 * MIB).strict(true).build();
        DrainTimeController c = DrainTimeController.builder(p).build();
        assertEquals(5 * MIB, c.allowanceBytes());
        assertEquals(3_000 * MS, c.drainTargetNs());
        assertTrue(c.strict());
    }

    @Test
    void builderChecksRanges() {
        assertThrows(IllegalArgumentException.class, () -> DrainTimeController.builder().floorBytes(MIB / 2));
        assertThrows(IllegalArgumentException.class, () -> DrainTimeController.builder().drainTargetNs(0));
        assertThrows(IllegalArgumentException.class, () -> DrainTimeController.builder().downBand(0.9));
        assertThrows(IllegalArgumentException.class,
                () -> DrainTimeController.builder().floorBytes(64 * MIB).ceilingBytes(32 * MIB).build());
        assertThrows(IllegalArgumentException.class,
                () -> DrainTimeController.builder().initialBytes(512 * MIB).build());
    }
}
