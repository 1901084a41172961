package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;

/** Hand-made samples, exact states: full ½, empty 1/10, hold 1 s, leave 2 s, allowance 10 MiB. */
class BacklogDetectorTest {
    private static final long A = 10 * MIB;

    private static BacklogDetector detector() {
        return new BacklogDetector(0.5, 0.1, 1_000 * MS, 2_000 * MS);
    }

    @Test
    void entersAfterHoldingHalfForOneSecond() {
        BacklogDetector b = detector();
        assertFalse(b.update(0, 5 * MIB, A), "≥ ½ A since 0 s: not yet");
        assertFalse(b.update(900 * MS, 6 * MIB, A));
        assertTrue(b.update(1_000 * MS, 5 * MIB, A), "≥ ½ A for exactly 1 s");
    }

    @Test
    void aDipBelowHalfRestartsTheHold() {
        BacklogDetector b = detector();
        b.update(0, 5 * MIB, A);
        b.update(500 * MS, 4 * MIB, A); // between the lines: the full clock keeps running
        b.update(600 * MS, MIB / 2, A); // ≤ 1/10: the empty clock starts, the full clock is kept until leaveNs
        assertTrue(b.update(1_000 * MS, 5 * MIB, A), "full since 0 s, never reset: 1 s");
    }

    @Test
    void leavesAfterTwoSecondsNearlyEmptyAndRemembersWhen() {
        BacklogDetector b = detector();
        b.update(0, 8 * MIB, A);
        assertTrue(b.update(1_000 * MS, 8 * MIB, A));
        assertTrue(b.update(2_000 * MS, MIB / 2, A), "≤ 1/10 A since 2 s");
        assertTrue(b.update(3_000 * MS, 3 * MIB, A), "between the lines: stays, and the empty clock restarts");
        assertTrue(b.update(3_100 * MS, 0, A));
        assertTrue(b.update(5_000 * MS, 0, A), "empty since 3.1 s: 1.9 s");
        assertFalse(b.update(5_100 * MS, 0, A), "empty for 2 s");
        assertTrue(b.leftWithin(5_100 * MS, 1));
        assertTrue(b.leftWithin(7_099 * MS, 2_000 * MS));
        assertFalse(b.leftWithin(7_100 * MS, 2_000 * MS));
        assertFalse(b.update(5_200 * MS, 5 * MIB, A), "the full clock starts afresh after leaving");
    }

    @Test
    void neverBackloggedNeverLeft() {
        BacklogDetector b = detector();
        b.update(0, 0, A);
        assertFalse(b.update(3_000 * MS, 0, A));
        assertFalse(b.leftWithin(3_000 * MS, Long.MAX_VALUE));
    }
}
