package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each rule of {@link KnobLaw} with hand-computed values: T = 400 MiB, B = 200 MiB, F = 300 MiB. */
class KnobLawTest {
    private static final long MIB = 1L << 20;
    private static final long T = 400 * MIB;
    private static final long B = 200 * MIB;

    /** What {@link KnobLaw#knobs} fills in, as a value to compare. */
    private record Knobs(long maxBytes, long minBytes, boolean strict, boolean strictLifted) {
    }

    private static Knobs knobs(long allowance, boolean policyStrict, boolean wasLifted, long floor, long thresh, long bg) {
        Decision d = new Decision();
        KnobLaw.knobs(d, allowance, policyStrict, wasLifted, floor, thresh, bg);
        assertEquals(thresh, d.threshBytes);
        assertEquals(bg, d.backgroundThreshBytes);
        return new Knobs(d.maxBytes, d.minBytes, d.strict, d.strictLifted);
    }

    @Test
    void capIsNinetyPercentOfTheThresholdOfNow() {
        assertEquals(4 * MIB, KnobLaw.capToThreshold(4 * MIB, T));
        assertEquals(T / 100 * 90, KnobLaw.capToThreshold(1L << 30, T));
        assertEquals(377_487_360L, KnobLaw.capToThreshold(1L << 30, T));
        assertEquals(1L << 30, KnobLaw.capToThreshold(1L << 30, 0), "unknown threshold: no cap");
    }

    @Test
    void strictIsLiftedAtHalfFreerunAndTakenBackBelowAQuarter() {
        // F/2 = 150 MiB, F/4 = 75 MiB
        assertEquals(new Knobs(149 * MIB, 8 * MIB, true, false), knobs(149 * MIB, true, false, 8 * MIB, T, B));
        assertEquals(new Knobs(150 * MIB, 0, false, true), knobs(150 * MIB, true, false, 8 * MIB, T, B));
        // between the two: whatever it was
        assertEquals(new Knobs(100 * MIB, 0, false, true), knobs(100 * MIB, true, true, 8 * MIB, T, B));
        assertEquals(new Knobs(100 * MIB, 8 * MIB, true, false), knobs(100 * MIB, true, false, 8 * MIB, T, B));
        assertEquals(new Knobs(75 * MIB, 0, false, true), knobs(75 * MIB, true, true, 8 * MIB, T, B));
        assertEquals(new Knobs(75 * MIB - 1, 8 * MIB, true, false), knobs(75 * MIB - 1, true, true, 8 * MIB, T, B));
        // thresholds unknown: no flip either way
        assertEquals(new Knobs(1L << 30, 8 * MIB, true, false), knobs(1L << 30, true, false, 8 * MIB, 0, -1));
    }

    @Test
    void aPolicyWithoutStrictIsNeverStrictAndReservesNothing() {
        assertEquals(new Knobs(4 * MIB, 0, false, false), knobs(4 * MIB, false, false, MIB, T, B));
        assertEquals(new Knobs(200 * MIB, 0, false, false), knobs(200 * MIB, false, false, MIB, T, B));
    }

    @Test
    void reserveIsTheFloorAtLeastOneMibNeverAboveMax() {
        assertEquals(MIB, KnobLaw.reserve(true, 4 * MIB, 256 * 1024), "at least 1 MiB");
        assertEquals(8 * MIB, KnobLaw.reserve(true, 64 * MIB, 8 * MIB));
        assertEquals(2 * MIB - 128 * 1024, KnobLaw.reserve(true, 2 * MIB, 8 * MIB), "1/16 below max");
        assertEquals(983_040L, KnobLaw.reserve(true, MIB, MIB), "at the 1 MiB floor: 960 KiB, not the max itself");
        assertEquals(0, KnobLaw.reserve(false, 64 * MIB, 8 * MIB));
    }

    @Test
    void aShrunkThresholdCapsAndMayLiftStrict() {
        // T falls to 100 MiB (B 50 MiB): a 64 MiB allowance stays under the 90 MiB cap, but freerun
        // is now 75 MiB, so 64 MiB ≥ F/2 = 37.5 MiB lifts strict; a 1 GiB one is capped to 90 %.
        long t = 100 * MIB;
        assertEquals(new Knobs(64 * MIB, 0, false, true), knobs(64 * MIB, true, false, 8 * MIB, t, 50 * MIB));
        assertEquals(t / 100 * 90, knobs(1L << 30, true, false, 8 * MIB, t, 50 * MIB).maxBytes());
    }
}
