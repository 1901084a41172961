package wbgov.bench.writeback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-made series → exact metric values. */
class MetricsTest {
    private static final double[] T = {0, 1, 2, 3, 4, 5};

    @Test
    void rateOverAWindowUsesTheLatestSampleAtLeastThatFarBack() {
        double[] cum = {0, 10, 30, 60, 60, 100};
        assertArrayEquals(new double[] {0, 10, 20, 30, 0, 40}, Metrics.rate(T, cum, 1.0), 1e-12);
        // 2 s window: sample i against i-2 (the first sample while fewer than 2 s exist)
        assertArrayEquals(new double[] {0, 10, 15, 25, 15, 20}, Metrics.rate(T, cum, 2.0), 1e-12);
    }

    @Test
    void valueAtInterpolatesAndClamps() {
        double[] cum = {0, 10, 30, 60, 60, 100};
        assertEquals(20.0, Metrics.valueAt(T, cum, 1.5), 1e-12);
        assertEquals(0.0, Metrics.valueAt(T, cum, -3), 1e-12);
        assertEquals(100.0, Metrics.valueAt(T, cum, 9), 1e-12);
        assertEquals(60.0, Metrics.valueAt(T, cum, 3), 1e-12);
    }

    @Test
    void throughputIsTheMeanRateOverTheSpan() {
        double[] cum = {0, 10, 30, 60, 60, 100};
        assertEquals(25.0, Metrics.throughput(T, cum, 1, 3), 1e-12);
        assertEquals(20.0, Metrics.throughput(T, cum, 0, 5), 1e-12);
        assertTrue(Double.isNaN(Metrics.throughput(T, cum, 3, 3)));
    }

    @Test
    void percentileIsNearestRankAndKeepsInfinity() {
        double[] v = {5, 1, 4, 2, 3, Double.NaN, 6, 7, 8, 9, 10};
        assertEquals(5.0, Metrics.percentile(v, 50));
        assertEquals(10.0, Metrics.percentile(v, 99));
        assertEquals(1.0, Metrics.percentile(v, 0));
        assertEquals(Double.POSITIVE_INFINITY, Metrics.percentile(new double[] {1, 2, Double.POSITIVE_INFINITY}, 99));
        assertTrue(Double.isNaN(Metrics.percentile(new double[] {Double.NaN}, 50)));
    }

    @Test
    void drainTimeIsHeldOverRateWithStallsInfinite() {
        double[] d = Metrics.drainSeconds(new double[] {4, 0, 3, Double.NaN}, new double[] {2, 0, 0, 1});
        assertArrayEquals(new double[] {2, 0, Double.POSITIVE_INFINITY, Double.NaN}, d, 0);
    }

    @Test
    void zeroProgressCountsWholeFlatBins() {
        // grows in [0,1], flat in [1,3] (two bins), grows in [3,5]; 10 Hz-like fine samples not needed
        double[] t = {0, 1, 2, 3, 4, 5};
        double[] cum = {0, 5, 5, 5, 8, 9};
        assertEquals(2.0, Metrics.zeroProgressSeconds(t, cum, 0, 5, 1.0), 1e-12);
        // a partial last bin is dropped: [0,4.5] has bins [0,1]..[3,4]
        assertEquals(2.0, Metrics.zeroProgressSeconds(t, cum, 0, 4.5, 1.0), 1e-12);
        // bins of 2 s from 1: [1,3] flat, [3,5] grows
        assertEquals(2.0, Metrics.zeroProgressSeconds(t, cum, 1, 5, 2.0), 1e-12);
        // a slow trickle is progress
        assertEquals(0.0, Metrics.zeroProgressSeconds(t, new double[] {0, 1, 2, 3, 4, 5}, 0, 5, 1.0), 1e-12);
    }

    @Test
    void zeroProgressOfAnyDeviceCountsEachBinOnce() {
        double[] t = {0, 1, 2, 3, 4};
        double[] a = {0, 0, 1, 2, 3};      // stalls in [0,1]
        double[] b = {0, 0, 1, 1, 2};      // stalls in [0,1] and [2,3]
        assertEquals(2.0, Metrics.zeroProgressSecondsAny(t, java.util.List.of(a, b), 0, 4, 1.0), 1e-12);
        assertEquals(0.0, Metrics.zeroProgressSecondsAny(t, java.util.List.of(a), 1, 4, 1.0), 1e-12);
    }

    @Test
    void reconvergeIsTheTimeAfterTheLastExcursion() {
        double[] t = {0, 1, 2, 3, 4, 5, 6};
        double[] v = {1, 1, 5, 4, 1, 1, 1};
        assertEquals(3.0, Metrics.reconvergeSeconds(t, v, 1, 6, 2), 1e-12);   // last above at t=3 → 4 - 1
        assertEquals(0.0, Metrics.reconvergeSeconds(t, v, 4, 6, 2), 1e-12);
        assertTrue(Double.isNaN(Metrics.reconvergeSeconds(t, v, 1, 3, 2)));   // still above at the end
        assertTrue(Double.isNaN(Metrics.reconvergeSeconds(t, new double[] {1, 1, Double.NaN, 1, 1, 1, 1}, 2, 2, 2)));
    }

    @Test
    void windowSumMinMaxRatio() {
        assertArrayEquals(new double[] {10, 30}, Metrics.window(T, new double[] {0, 10, 30, 60, 60, 100}, 0.5, 2), 0);
        assertArrayEquals(new double[] {3, 5}, Metrics.sum(new double[] {1, 2}, new double[] {2, 3}), 0);
        assertEquals(7.0, Metrics.max(new double[] {Double.NaN, 7, 3}));
        assertEquals(3.0, Metrics.min(new double[] {Double.NaN, 7, 3}));
        assertTrue(Double.isNaN(Metrics.min(new double[] {Double.NaN})));
        assertEquals(0.5, Metrics.ratio(1, 2));
        assertTrue(Double.isNaN(Metrics.ratio(1, 0)));
    }

    private static final double MIB = 1 << 20;

    @Test
    void steppedThroughputCountsWholeStepsAndFallsBackAtEdgeStalls() {
        // one 1 MiB step a second at t = 0.9, 1.9, ... : over [1.0, 6.0] the plain count sees 5 steps in 5 s or
        // 4, by where the window falls; whole steps give exactly 1 MiB/s
        double[] t = new double[71];
        double[] v = new double[71];
        for (int i = 0; i < t.length; i++) {
            t[i] = i * 0.1;
            v[i] = Math.floor((t[i] + 0.1 + 1e-9)) * MIB;
        }
        org.junit.jupiter.api.Assertions.assertEquals(MIB, Metrics.steppedThroughput(t, v, 1.0, 6.0), 1e-6);
        org.junit.jupiter.api.Assertions.assertEquals(MIB, Metrics.steppedThroughput(t, v, 0.95, 5.05), 1e-6);
        // a device that stood still for the last 4 s of the window: the plain figure, not 1 MiB/s
        double[] stalled = v.clone();
        for (int i = 30; i < stalled.length; i++) {
            stalled[i] = stalled[29];
        }
        double plain = Metrics.throughput(t, stalled, 1.0, 7.0);
        org.junit.jupiter.api.Assertions.assertEquals(plain, Metrics.steppedThroughput(t, stalled, 1.0, 7.0), 1e-9);
        org.junit.jupiter.api.Assertions.assertTrue(plain < 0.5 * MIB, "plain " + plain);
    }
}
