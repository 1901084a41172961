package wbgov.governor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateEstimatorTest {
    private static final long MS = 1_000_000L;
    private static final long MB = 1_000_000L;

    private static RateEstimator tau(long tauMs) {
        return RateEstimator.builder().tauNs(tauMs * MS).build();
    }

    @Test
    void firstBusyIntervalSetsTheEstimateThenEwma() {
        RateEstimator e = tau(1000);
        assertFalse(e.update(0, 0, 5 * MB), "first sample only sets the base");
        assertFalse(e.hasEstimate());
        assertTrue(e.update(100 * MS, 1 * MB, 5 * MB));
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        assertTrue(e.update(300 * MS, 5 * MB, 5 * MB)); // 4 MB in 200 ms = 20 MB/s
        double alpha = 1 - Math.exp(-0.2);
        assertEquals(10e6 + alpha * 10e6, e.rateBytesPerSec(), 1e-6);
        assertEquals(11.812692469220182e6, e.rateBytesPerSec(), 1e-3);
        assertEquals(20e6, e.lastIntervalBytesPerSec(), 1e-6);
    }

    /**
     * A remembered rate seeds the estimate: the first interval of a burst, empty at its start
     * (a lower bound), leaves it; a busy interval moves it by α, not to itself.
     */
    @Test
    void aSeedIsKeptByAPartlyIdleIntervalAndMovedByAlphaByABusyOne() {
        RateEstimator e = tau(500);
        e.seed(200e6);
        assertTrue(e.hasEstimate());
        assertFalse(e.measured(), "a seed is not a measurement");
        assertEquals(200e6, e.rateBytesPerSec(), 1e-6);
        assertEquals(0, e.rateStdErrBytesPerSec(), 1e-9);
        e.update(0, 0, 0); // base: idle
        assertFalse(e.update(100 * MS, 8 * MB, 150 * MB), "empty at the start: 80 MB/s only bounds it from below");
        assertEquals(200e6, e.rateBytesPerSec(), 1e-6);
        assertFalse(e.measured());
        assertTrue(e.update(200 * MS, 18 * MB, 150 * MB)); // busy throughout: 100 MB/s
        double a = 1 - Math.exp(-0.2);
        assertEquals(200e6 + a * (100e6 - 200e6), e.rateBytesPerSec(), 1e-3);
        assertEquals(181.87307530779817e6, e.rateBytesPerSec(), 1e-3);
        assertTrue(e.measured());
        e.seed(1e6);
        assertEquals(181.87307530779817e6, e.rateBytesPerSec(), 1e-3, "a seed after an estimate changes nothing");
    }

    @Test
    void noSeedFromNothing() {
        RateEstimator e = tau(500);
        e.seed(0);
        e.seed(Double.NaN);
        e.seed(Double.POSITIVE_INFINITY);
        assertFalse(e.hasEstimate());
        e.update(0, 0, 5 * MB);
        assertTrue(e.update(100 * MS, 1 * MB, 5 * MB));
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6, "unseeded: the first busy interval is the estimate");
    }

    @Test
    void standardErrorFromTheWeightedVariance() {
        RateEstimator e = tau(1000);
        e.update(0, 0, 5 * MB);
        e.update(100 * MS, 1 * MB, 5 * MB); // 10 MB/s: first estimate, no spread yet
        assertEquals(0, e.rateStdErrBytesPerSec(), 1e-9);
        e.update(200 * MS, 4 * MB, 5 * MB); // 30 MB/s
        double a = 1 - Math.exp(-0.1);
        double var = (1 - a) * (0 + a * 20e6 * 20e6);
        assertEquals(10e6 + a * 20e6, e.rateBytesPerSec(), 1e-6);
        assertEquals(Math.sqrt(var * a / (2 - a)), e.rateStdErrBytesPerSec(), 1e-3);
        assertEquals(1.3118e6, e.rateStdErrBytesPerSec(), 0.0001e6);
        // a steady device: the spread decays toward 0
        long written = 4 * MB;
        for (int i = 3; i < 200; i++) {
            written += 2 * MB;
            e.update(i * 100 * MS, written, 5 * MB);
        }
        assertEquals(20e6, e.rateBytesPerSec(), 1e3);
        assertTrue(e.rateStdErrBytesPerSec() < 1e3, "steady: " + e.rateStdErrBytesPerSec());
    }

    /**
     * A device completing 1 MB requests once a second and empty in between (held 1 MB while it
     * works): the law's estimator lets the burst intervals raise it far above 1 MB/s; the
     * every-held-interval one reads its throughput while holding data, 1 MB/s, from the start.
     */
    @Test
    void everyHeldIntervalReadsTheThroughputOfABurstyDevice() {
        RateEstimator law = tau(500);
        RateEstimator drain = RateEstimator.builder().tauNs(5_000 * MS).everyHeldInterval().build();
        long written = 0;
        for (int i = 0; i <= 100; i++) { // 10 s at 100 ms
            boolean completes = i > 0 && i % 10 == 0;
            written += completes ? MB : 0;
            long held = completes ? 0 : MB; // emptied by the completion, refilled at once
            law.update(i * 100 * MS, written, held);
            drain.update(i * 100 * MS, written, held);
            if (i == 10) {
                assertEquals(1e6, drain.rateBytesPerSec(), 1e-3, "the plain average of the first second");
            }
        }
        assertTrue(law.rateBytesPerSec() > 2e6, "right after a burst the law's estimate is twice the throughput: " + law.rateBytesPerSec());
        assertEquals(1e6, drain.rateBytesPerSec(), 0.2e6, "right after a burst too");
    }

    @Test
    void idleKeepsTheLastGoodEstimate() {
        RateEstimator e = tau(500);
        e.update(0, 0, 1 * MB);
        e.update(100 * MS, 1 * MB, 0); // drained everything: 10 MB/s, first estimate
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        for (int i = 2; i < 100; i++) {
            assertFalse(e.update(i * 100 * MS, 1 * MB, 0));
        }
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        assertEquals(0, e.stalledNs());
    }

    @Test
    void partlyIdleIntervalsOnlyRaise() {
        RateEstimator e = tau(500);
        e.update(0, 0, 4 * MB);
        e.update(100 * MS, 2 * MB, 2 * MB); // 20 MB/s
        // device emptied its queue mid-interval: 1 MB in 100 ms is a lower bound, ignored
        assertFalse(e.update(200 * MS, 3 * MB, 0));
        assertEquals(20e6, e.rateBytesPerSec(), 1e-6);
        // data arrived mid-interval and 3 MB completed: 30 MB/s raises it
        assertTrue(e.update(300 * MS, 6 * MB, 0));
        assertEquals(20e6 + (1 - Math.exp(-0.2)) * 10e6, e.rateBytesPerSec(), 1e-6);
    }

    @Test
    void stallDecaysToZeroAndIsTimed() {
        RateEstimator e = tau(500);
        e.update(0, 0, 8 * MB);
        e.update(100 * MS, 1 * MB, 8 * MB);
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        for (int i = 2; i <= 11; i++) {
            assertTrue(e.update(i * 100 * MS, 1 * MB, 8 * MB));
        }
        // ten 100 ms intervals of 0 at tau 500 ms: (e^-0.2)^10 = e^-2
        assertEquals(10e6 * Math.exp(-2), e.rateBytesPerSec(), 1e-3);
        assertEquals(1000 * MS, e.stalledNs());
        assertEquals(10e6, e.rateAtProgressBytesPerSec(), 1e-6, "the speed before the silence, not decayed");
        assertEquals(8 * MB, e.owedBytes());
        e.update(1200 * MS, 2 * MB, 8 * MB);
        assertEquals(0, e.stalledNs());
        // 1 MB in 100 ms after the silence: the estimate moves up from its decayed value, and that is
        // the speed the next silence is measured against
        double expected = 10e6 * Math.exp(-2) + (1 - Math.exp(-0.2)) * (10e6 - 10e6 * Math.exp(-2));
        assertEquals(expected, e.rateBytesPerSec(), 1e-3);
        assertEquals(expected, e.rateAtProgressBytesPerSec(), 1e-3);
    }

    @Test
    void dirtyPagesNotUnderWritebackAreWaitingNotAZero() {
        RateEstimator e = tau(500);
        e.update(0, 0, 8 * MB, 8 * MB);
        e.update(100 * MS, 1 * MB, 8 * MB, 8 * MB);
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        // the burst's last pages complete (1 MB in 100 ms, counted); 64 kB of metadata stay dirty
        assertTrue(e.update(200 * MS, 2 * MB, 64_000, 0));
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        for (int i = 3; i <= 50; i++) {
            // 64 kB dirty, nothing under write-back, nothing completes: waiting for the flusher
            assertFalse(e.update(i * 100 * MS, 2 * MB, 64_000, 0));
            assertEquals(0, e.stalledNs());
        }
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        // the flusher takes them up: the first interval started owing nothing, so it is skipped
        assertFalse(e.update(5100 * MS, 2 * MB, 64_000, 64_000));
        assertEquals(100 * MS, e.stalledNs(), "owed since the last sample that owed nothing");
        // now owed and nothing completes: a real 0 at full weight
        assertTrue(e.update(5200 * MS, 2 * MB, 64_000, 64_000));
        assertEquals(10e6 * Math.exp(-0.2), e.rateBytesPerSec(), 1e-3);
        assertEquals(200 * MS, e.stalledNs());
        // owed bytes above held are clipped (a write-back count read a moment after dirty)
        assertTrue(e.update(5300 * MS, 3 * MB, 0, 64_000));
        assertEquals(0, e.stalledNs());
    }

    @Test
    void counterResetRebasesAndKeepsEstimate() {
        RateEstimator e = tau(500);
        e.update(0, 100 * MB, 1 * MB);
        e.update(100 * MS, 101 * MB, 1 * MB);
        assertFalse(e.update(200 * MS, 0, 1 * MB));
        assertEquals(1, e.counterResets());
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
        e.update(300 * MS, 1 * MB, 1 * MB);
        assertEquals(10e6, e.rateBytesPerSec(), 1e-6);
    }

    @Test
    void samplesTooCloseAccumulate() {
        RateEstimator e = RateEstimator.builder().tauNs(500 * MS).minIntervalNs(50 * MS).build();
        e.update(0, 0, 1 * MB);
        assertFalse(e.update(20 * MS, 1 * MB, 1 * MB));
        assertTrue(e.update(100 * MS, 2 * MB, 1 * MB));
        assertEquals(20e6, e.rateBytesPerSec(), 1e-6);
        assertFalse(e.update(100 * MS, 3 * MB, 1 * MB), "same timestamp");
    }

    @Test
    void burstyCompletionsAverageOut() {
        RateEstimator e = tau(500);
        long bytes = 0;
        e.update(0, 0, 50 * MB);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = 1; i <= 300; i++) {
            bytes += (i % 4 == 0) ? 4 * MB : 0; // 4 MB every 400 ms: 10 MB/s mean
            e.update(i * 100 * MS, bytes, 50 * MB);
            if (i > 100) {
                min = Math.min(min, e.rateBytesPerSec());
                max = Math.max(max, e.rateBytesPerSec());
            }
        }
        assertTrue(min > 7e6 && max < 16e6, "min " + min + " max " + max);
        // time-averaged over a period it is unbiased
        double sum = 0;
        for (int i = 301; i <= 400; i++) {
            bytes += (i % 4 == 0) ? 4 * MB : 0;
            e.update(i * 100 * MS, bytes, 50 * MB);
            sum += e.rateBytesPerSec();
        }
        assertEquals(10e6, sum / 100, 0.5e6);
    }

    @Test
    void tenfoldSlowdownSeenWithinTwoAndAHalfSeconds() {
        RateEstimator e = tau(500);
        long bytes = 0;
        e.update(0, 0, 100 * MB);
        for (int i = 1; i <= 20; i++) {
            bytes += 10 * MB / 10;
            e.update(i * 100 * MS, bytes, 100 * MB);
        }
        assertEquals(10e6, e.rateBytesPerSec(), 1);
        int ticks = 0;
        while (e.rateBytesPerSec() > 1.2e6) {
            bytes += MB / 10;
            e.update((21 + ticks) * 100 * MS, bytes, 100 * MB);
            ticks++;
        }
        assertTrue(ticks <= 25, "took " + ticks + " ticks");
    }

    @Test
    void builderChecksRanges() {
        assertThrows(IllegalArgumentException.class, () -> RateEstimator.builder().tauNs(0));
        assertThrows(IllegalArgumentException.class, () -> RateEstimator.builder().minIntervalNs(0));
    }
}
