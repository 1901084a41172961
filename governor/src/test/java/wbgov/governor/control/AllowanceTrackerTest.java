package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import org.junit.jupiter.api.Test;

/** Down band 10 %, up band 20 %, rise hold 1 s, drop batch 500 ms, ×4 per rise; bounds 2..256 MiB. */
class AllowanceTrackerTest {
    private static AllowanceTracker tracker() {
        return new AllowanceTracker(new Bounds(2 * MIB, 256 * MIB), 0.10, 0.20, 1_000 * MS, 500 * MS, 4.0);
    }

    @Test
    void dropsAtOnceBeyondTheDownBandOnly() {
        AllowanceTracker t = tracker();
        assertEquals(20 * MIB, t.track(0, 20 * MIB, 19 * MIB, 0, 0), "19 > 18 = 0.9 · 20: dead band");
        assertEquals(18 * MIB - 1, t.track(0, 20 * MIB, 18 * MIB - 1, 0, 0), "just past the band: at once");
    }

    @Test
    void dropsWhileOverfullAreBatched() {
        AllowanceTracker t = tracker();
        assertEquals(16 * MIB, t.track(0, 20 * MIB, 16 * MIB, 30 * MIB, 0));
        assertEquals(16 * MIB, t.track(400 * MS, 16 * MIB, 8 * MIB, 30 * MIB, 0), "held ≥ A, 400 ms after a drop");
        assertEquals(8 * MIB, t.track(400 * MS, 16 * MIB, 8 * MIB, 10 * MIB, 0), "held < A: no batching");
        assertEquals(4 * MIB, t.track(900 * MS, 8 * MIB, 4 * MIB, 30 * MIB, 0), "500 ms after the last drop");
    }

    @Test
    void risesAfterTheHoldInStepsOfFour() {
        AllowanceTracker t = tracker();
        assertEquals(4 * MIB, t.track(0, 4 * MIB, 100 * MIB, 0, 0), "above the band since 0 s");
        assertEquals(4 * MIB, t.track(900 * MS, 4 * MIB, 100 * MIB, 0, 0));
        assertEquals(16 * MIB, t.track(1_000 * MS, 4 * MIB, 100 * MIB, 0, 0), "×4");
        assertEquals(16 * MIB, t.track(1_500 * MS, 16 * MIB, 100 * MIB, 0, 0), "the hold restarts at each step");
        assertEquals(64 * MIB, t.track(2_000 * MS, 16 * MIB, 100 * MIB, 0, 0));
        assertEquals(64 * MIB, t.track(2_100 * MS, 64 * MIB, 70 * MIB, 0, 0), "70 < 1.2 · 64: dead band");
        assertEquals(64 * MIB, t.track(2_200 * MS, 64 * MIB, 100 * MIB, 0, 0), "the dead band reset the hold");
        assertEquals(100 * MIB, t.track(3_200 * MS, 64 * MIB, 100 * MIB, 0, 0), "×4 capped by the target");
    }

    @Test
    void aConfirmedRiseGoesUpToWhatWasDrained() {
        AllowanceTracker t = tracker();
        t.track(0, 4 * MIB, 400 * MIB, 0, 200 * MIB);
        assertEquals(200 * MIB, t.track(1_000 * MS, 4 * MIB, 400 * MIB, 0, 200 * MIB), "proven 200 MiB > ×4");
        assertEquals(100 * MIB, t.track(2_000 * MS, 4 * MIB, 100 * MIB, 0, 200 * MIB),
                "confirmed since the last rise at 1 s; never above the target");
    }

    @Test
    void cancelRiseRestartsTheHold() {
        AllowanceTracker t = tracker();
        t.track(0, 4 * MIB, 100 * MIB, 0, 0);
        t.cancelRise();
        assertEquals(4 * MIB, t.track(1_000 * MS, 4 * MIB, 100 * MIB, 0, 0), "hold starts again at 1 s");
        assertEquals(16 * MIB, t.track(2_000 * MS, 4 * MIB, 100 * MIB, 0, 0));
    }
}
