package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;

/** DirtyThresh 400 MiB, BackgroundThresh 200 MiB: freerun 300 MiB; relax below ½ of it (150 MiB) for 5 s. */
class ContentionGateTest {
    private static final long G = 400 * MIB;
    private static final long BG = 200 * MIB;

    @Test
    void relaxesAfterFiveSecondsBelowHalfOfFreerunAndEndsAtOnce() {
        ContentionGate g = new ContentionGate(0.5, 5_000 * MS, false);
        assertFalse(g.update(0, 149 * MIB, G, BG));
        assertFalse(g.update(4_900 * MS, 10 * MIB, G, BG));
        assertTrue(g.update(5_000 * MS, 10 * MIB, G, BG));
        assertFalse(g.contentionReturned());
        assertFalse(g.update(5_100 * MS, 150 * MIB, G, BG), "150 MiB is not below 150 MiB");
        assertTrue(g.contentionReturned());
        assertFalse(g.update(5_200 * MS, 200 * MIB, G, BG));
        assertFalse(g.contentionReturned(), "only in the tick it ended");
        assertFalse(g.update(5_300 * MS, 0, G, BG), "the 5 s start afresh");
        assertTrue(g.update(10_300 * MS, 0, G, BG));
    }

    @Test
    void unknownCountsAsContended() {
        ContentionGate g = new ContentionGate(0.5, 0, false);
        assertTrue(g.update(0, 0, G, BG));
        assertFalse(g.update(0, -1, G, BG), "global held unknown");
        assertFalse(g.update(0, 0, -1, BG), "DirtyThresh unknown");
        assertFalse(g.update(0, 0, G, -1), "BackgroundThresh unknown");
    }

    @Test
    void strictNeverRelaxes() {
        ContentionGate g = new ContentionGate(0.5, 0, true);
        assertFalse(g.update(0, 0, G, BG));
        assertFalse(g.update(60_000 * MS, 0, G, BG));
        assertFalse(g.contentionReturned());
    }
}
