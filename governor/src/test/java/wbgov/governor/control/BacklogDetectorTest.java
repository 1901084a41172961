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

    /**
     * After a burst (write + fdatasync) the device holds its allowance while nobody dirties a
     * page: held alone calls that a backlog; once nearly empty for 300 ms with no page dirtied,
     * it is left, not 2 s later.
     */
    @Test
    void aBurstsDrainLeavesTheBacklogOnceEmptyAndQuiet() {
        BacklogDetector b = detector();
        long dirtied = 0;
        // the burst: dirtied at memory speed for 400 ms, held past ½ A from 300 ms
        for (int t = 0; t <= 400; t += 100) {
            dirtied += 2 * MIB;
            b.update(t * MS, Math.min(A, t / 100 * 2 * MIB), A, dirtied);
        }
        // fdatasync: nothing dirtied; it drains 8 MiB → 0 by 2.4 s
        assertTrue(b.update(1_300 * MS, 8 * MIB, A, dirtied), "≥ ½ A since 0.3 s: held alone decides the entry");
        assertTrue(b.update(2_400 * MS, MIB / 2, A, dirtied), "nearly empty since 2.4 s");
        assertTrue(b.update(2_600 * MS, 0, A, dirtied), "200 ms");
        assertFalse(b.update(2_700 * MS, 0, A, dirtied), "nearly empty 300 ms, nothing dirtied since 0.4 s: left");
        assertTrue(b.leftWithin(2_700 * MS, 1));
    }

    /** Without the counter the same drain leaves only after 2 s nearly empty. */
    @Test
    void withoutTheDirtiedCounterOnlyTwoSecondsEmptyLeave() {
        BacklogDetector b = detector();
        b.update(0, 8 * MIB, A, -1);
        assertTrue(b.update(1_000 * MS, 8 * MIB, A, -1));
        assertTrue(b.update(2_000 * MS, 0, A, -1));
        assertTrue(b.update(3_999 * MS, 0, A, -1));
        assertFalse(b.update(4_000 * MS, 0, A, -1));
    }

    /**
     * A writer throttled on a slow device waits in balance_dirty_pages() without dirtying while
     * one big request completes; released when it empties, it dirties within its pause: it stays.
     */
    @Test
    void aThrottledWriterReleasedByACompletionKeepsTheBacklog() {
        BacklogDetector b = detector();
        long dirtied = 0;
        for (int t = 0; t <= 1_000; t += 100) {
            b.update(t * MS, 8 * MIB, A, dirtied);
        }
        assertTrue(b.backlogged(), "held ≥ ½ A for 1 s, no page dirtied: still a backlog (entry is held alone)");
        // 1.25 s without a dirtied page, then the request completes: nearly empty at 2.3 s
        assertTrue(b.update(2_300 * MS, MIB / 2, A, dirtied));
        dirtied += 256 << 10; // released: dirties within 200 ms
        assertTrue(b.update(2_400 * MS, MIB / 2, A, dirtied));
        assertTrue(b.update(2_600 * MS, MIB / 2, A, dirtied), "dirtied 200 ms ago: someone writes");
        assertTrue(b.update(2_700 * MS, 6 * MIB, A, dirtied + MIB));
    }
}
