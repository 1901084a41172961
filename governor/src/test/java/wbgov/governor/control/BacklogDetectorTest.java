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

    /** After a burst (write + fdatasync) the device holds its allowance while nobody dirties a page: a drain. */
    @Test
    void aBurstsDrainIsNoBacklog() {
        BacklogDetector b = detector();
        long dirtied = 0;
        // the burst: dirtied at memory speed for 400 ms, held climbs past ½ A at 200 ms
        for (int t = 0; t <= 400; t += 100) {
            dirtied += 2 * MIB;
            assertFalse(b.update(t * MS, Math.min(A, t / 100 * 2 * MIB), A, dirtied), "t=" + t);
        }
        // fdatasync: nothing dirtied, it holds 8 MiB draining slowly for 3 s
        for (int t = 500; t <= 3_400; t += 100) {
            assertFalse(b.update(t * MS, 8 * MIB, A, dirtied), "draining, quiet since 0.4 s: t=" + t);
        }
        // the same with the counter unknown: held alone decides, a backlog after 1 s full
        BacklogDetector blind = detector();
        assertFalse(blind.update(200 * MS, 5 * MIB, A, -1));
        assertTrue(blind.update(1_200 * MS, 8 * MIB, A, -1));
    }

    /** A writer throttled on the device dirties a few pages after each pause of ≤ 200 ms: writing. */
    @Test
    void aThrottledWriterIsWritingAndEntersAfterOneSecond() {
        BacklogDetector b = detector();
        long dirtied = 0;
        for (int t = 0; t < 1_000; t += 100) {
            if (t % 300 == 0) {
                dirtied += 64 << 10; // a page batch every 300 ms: quiet ticks in between
            }
            assertFalse(b.update(t * MS, 6 * MIB, A, dirtied), "t=" + t);
        }
        assertTrue(b.update(1_000 * MS, 6 * MIB, A, dirtied), "full and writing (last dirtied at 0.9 s) for 1 s");
    }

    /** Backlogged, then the writers stop: no page dirtied for 2 s ends it, however much it still holds. */
    @Test
    void leavesWhenNobodyDirtiedForTwoSeconds() {
        BacklogDetector b = detector();
        long dirtied = 0;
        for (int t = 0; t <= 1_000; t += 100) {
            dirtied += MIB / 4;
            b.update(t * MS, 8 * MIB, A, dirtied);
        }
        assertTrue(b.backlogged());
        // the writers stopped after the sample at 1.0 s
        assertTrue(b.update(2_900 * MS, 8 * MIB, A, dirtied), "quiet 1.9 s");
        assertFalse(b.update(3_000 * MS, 8 * MIB, A, dirtied), "quiet 2 s: a drain");
        assertTrue(b.leftWithin(3_000 * MS, 1));
        assertFalse(b.update(4_500 * MS, 8 * MIB, A, dirtied + MIB), "a writer again: the full clock starts at 4.5 s");
        assertTrue(b.update(5_500 * MS, 8 * MIB, A, dirtied + 2 * MIB));
    }
}
