package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;

/**
 * Full 0.8, starved 0.25, factor 1.25, gain 10 %, hold 3 s, wait 10 s..40 s, boost ≤ 2;
 * bounds 2..256 MiB. Binding samples: allowance 8 MiB, held 8 MiB, 1 MiB of it dirty.
 */
class ProberTest {
    private static final long A = 8 * MIB;

    private static Prober prober() {
        return new Prober(new Bounds(2 * MIB, 256 * MIB), 0.8, 0.25, 1.25, 0.10, 3_000 * MS, 10_000 * MS,
                40_000 * MS, 2.0);
    }

    /** Binding from {@code fromNs} every 100 ms; the time it became due. */
    private static long dueAt(Prober p, long fromNs) {
        for (long t = fromNs; t < fromNs + 100_000 * MS; t += 100 * MS) {
            if (p.due(t, A, A, MIB)) {
                return t - fromNs;
            }
        }
        return -1;
    }

    @Test
    void dueAfterBindingForTheWait() {
        Prober p = prober();
        assertEquals(10_000 * MS, dueAt(p, 0));
        assertFalse(p.due(0, A, A, 3 * MIB), "dirty 3 > 0.25 · 8 MiB: the queue is not starved");
        assertFalse(p.due(0, A, 6 * MIB, MIB), "held 6 < 0.8 · 8 MiB: not full");
        assertFalse(p.due(0, A, A, -1), "dirty unknown");
        assertFalse(p.due(0, 256 * MIB, 256 * MIB, MIB), "at the ceiling nothing is left to try");
    }

    @Test
    void aBreakInBindingRestartsTheWait() {
        Prober p = prober();
        p.due(0, A, A, MIB);
        p.due(5_000 * MS, A, A, 3 * MIB);
        assertFalse(p.due(10_000 * MS, A, A, MIB));
        assertTrue(p.due(20_000 * MS, A, A, MIB));
    }

    @Test
    void keptProbeGrowsTheBoost() {
        Prober p = prober();
        assertEquals(10 * MIB, p.start(0, A, 4.0 * MIB), "8 MiB × 1.25");
        assertTrue(p.probing());
        assertFalse(p.judgeable(2_900 * MS));
        assertTrue(p.judgeable(3_000 * MS));
        assertTrue(p.judge(4.4 * MIB), "4.4 ≥ 4 · 1.1");
        assertFalse(p.probing());
        assertEquals(1.25, p.boost(), 0);
        p.start(0, A, 4.0 * MIB);
        p.judge(5.0 * MIB);
        assertEquals(1.5625, p.boost(), 0);
        p.start(0, A, 4.0 * MIB);
        p.judge(5.0 * MIB);
        assertEquals(1.953125, p.boost(), 0);
        p.start(0, A, 4.0 * MIB);
        p.judge(5.0 * MIB);
        assertEquals(2.0, p.boost(), 0, "capped at maxBoost");
        assertEquals(10_000 * MS, dueAt(p, 100_000 * MS), "a kept probe resets the wait");
    }

    @Test
    void failedProbesKeepTheBoostAndDoubleTheWait() {
        Prober p = prober();
        p.start(0, A, 4.0 * MIB);
        p.judge(5.0 * MIB);
        p.start(0, A, 4.0 * MIB);
        assertFalse(p.judge(4.3 * MIB), "4.3 < 4 · 1.1");
        assertEquals(1.25, p.boost(), 0, "b stays");
        assertEquals(20_000 * MS, dueAt(p, 0));
        p.start(0, A, 4.0 * MIB);
        p.judge(0);
        assertEquals(40_000 * MS, dueAt(p, 0));
        p.start(0, A, 4.0 * MIB);
        p.judge(0);
        assertEquals(40_000 * MS, dueAt(p, 0), "capped at intervalMax");
    }

    @Test
    void resetDropsTheBoostCancelKeepsIt() {
        Prober p = prober();
        p.start(0, A, 4.0 * MIB);
        p.judge(5.0 * MIB);
        p.start(0, A, 4.0 * MIB);
        p.cancel();
        assertFalse(p.probing());
        assertEquals(1.25, p.boost(), 0);
        p.reset();
        assertEquals(1.0, p.boost(), 0);
        assertEquals(256 * MIB, p.start(0, 240 * MIB, 1), "clamped to the ceiling");
    }
}
