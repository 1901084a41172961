package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;
import wbgov.governor.policy.Policy;
import wbgov.governor.sample.BdiSample;

/**
 * The whole decision of one device, exact values: T = 400 MiB, B = 200 MiB (freerun F = 300 MiB,
 * strict lifted at F/2 = 150 MiB); a strict policy with floor 2 MiB, initial 16 MiB, drain 2 s.
 */
class DeviceLawTest {
    private static final long T = 400 * MIB;
    private static final long B = 200 * MIB;

    private static Policy strictPolicy() {
        return Policy.builder("slow").drainTargetNs(2_000 * MS).floorBytes(2 * MIB).ceilingBytes(1024 * MIB)
                .initialBytes(16 * MIB).strict(true).build();
    }

    private static DeviceLaw law() {
        Policy p = strictPolicy();
        return new DeviceLaw(DrainTimeController.builder(p).rateTauNs(1_000 * MS).riseHoldNs(0).maxRiseFactor(100)
                .build(), p);
    }

    private static BdiSample sample(long timeMs, long held, long written, long thresh, long bg) {
        BdiSample s = new BdiSample();
        s.timeNs = timeMs * MS;
        s.dirtyBytes = held;
        s.writebackBytes = 0;
        s.writtenBytes = written;
        s.globalThreshBytes = thresh;
        s.backgroundThreshBytes = bg;
        return s;
    }

    @Test
    void initialIsTheWholeDecisionBeforeAnySample() {
        Decision d = law().initial(T, B);
        assertTrue(d.knobsChanged);
        assertEquals(Decision.Reason.INITIAL, d.reason);
        assertEquals(0, d.oldBytes);
        assertEquals(16 * MIB, d.newBytes);
        assertEquals(16 * MIB, d.maxBytes);
        assertEquals(2 * MIB, d.minBytes, "a strict device's reserve: its floor");
        assertTrue(d.strict);
        assertEquals(T, d.threshBytes);
        assertEquals(B, d.backgroundThreshBytes);
        assertEquals("kernel → 16M, strict, no measurement yet: policy's initial allowance (rate 0/s, held 0, "
                + "drain 0.00s, target 16M)", d.toString());
    }

    @Test
    void aFastDeviceIsCappedToTheThresholdAndLosesStrict() {
        DeviceLaw law = law();
        law.initial(T, B);
        law.decide(sample(0, 0, 0, T, B), -1);
        // 100 MiB in 100 ms: 1000 MiB/s × 2 s = 2000 MiB, clamped to the 1024 MiB ceiling; the
        // threshold caps max at 90 % of 400 MiB; ≥ F/2 lifts strict, and the reserve goes with it.
        Decision d = law.decide(sample(100, 0, 100 * MIB, T, B), -1);
        assertTrue(d.changed);
        assertTrue(d.knobsChanged);
        assertEquals(1024 * MIB, d.newBytes);
        assertEquals(T / 100 * 90, d.maxBytes);
        assertEquals(377_487_360L, d.maxBytes);
        assertFalse(d.strict);
        assertTrue(d.strictLifted);
        assertEquals(0, d.minBytes);
    }

    @Test
    void recapTakesTheSameAllowanceToAShrunkThreshold() {
        DeviceLaw law = law();
        law.initial(T, B);
        law.decide(sample(0, 0, 0, T, B), -1);
        Decision d = law.decide(sample(100, 0, 100 * MIB, T, B), -1);
        // Memory got tight: T = 100 MiB. The old 360 MiB would be refused (EINVAL): 90 MiB now.
        Decision r = law.recap(100 * MIB, 50 * MIB);
        assertSame(d, r, "one record, updated in place");
        assertFalse(r.changed, "the allowance did not move");
        assertTrue(r.knobsChanged, "the cap did");
        assertEquals(1024 * MIB, r.newBytes);
        assertEquals(90 * MIB, r.maxBytes);
        assertFalse(r.strict, "90 MiB ≥ F/4 = 18.75 MiB: stays lifted");
        // Same thresholds again: nothing to write.
        assertFalse(law.recap(100 * MIB, 50 * MIB).knobsChanged);
    }

    @Test
    void aSlowDeviceStaysStrictWithItsReserve() {
        DeviceLaw law = law();
        law.initial(T, B);
        law.decide(sample(0, 3 * MIB, 0, T, B), -1);
        // 1 MiB in 100 ms: 10 MiB/s × 2 s = 20 MiB, under F/2: strict stays, reserve = floor.
        Decision d = law.decide(sample(100, 3 * MIB, MIB, T, B), -1);
        assertEquals(20 * MIB, d.newBytes);
        assertEquals(20 * MIB, d.maxBytes);
        assertTrue(d.strict);
        assertEquals(2 * MIB, d.minBytes);
        assertEquals("tracking", d.state());
        // Unchanged allowance, same thresholds: no knob write.
        d = law.decide(sample(200, 3 * MIB, 2 * MIB, T, B), -1);
        assertFalse(d.changed);
        assertFalse(d.knobsChanged);
    }
}
