package wbgov.governor.control;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static wbgov.governor.control.PlantModel.MIB;
import static wbgov.governor.control.PlantModel.MS;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.sample.BdiSample;

/** The update paths run every tick for every device: they must allocate nothing. */
class AllocationTest {
    private static final int UPDATES = 100_000;

    @Test
    void updatesAllocateNothing() {
        java.lang.management.ThreadMXBean std = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(std instanceof com.sun.management.ThreadMXBean, "no allocation counter in this JVM");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
        Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(), "no allocation counter in this JVM");
        mx.setThreadAllocatedMemoryEnabled(true);

        DrainTimeController drain = DrainTimeController.builder().build();
        InflightController inflight = InflightController.builder().maxRequestBytes(MIB).build();
        RateEstimator est = RateEstimator.builder().build();
        BdiSample s = new BdiSample();
        s.globalThreshBytes = 400 * MIB;
        s.backgroundThreshBytes = 200 * MIB;
        run(drain, inflight, est, s, 0); // warm up: JIT, class loading
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        run(drain, inflight, est, s, UPDATES);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        System.out.printf("allocation: %d bytes over %d updates%n", allocated, 3 * UPDATES);
        assertTrue(allocated < 4_096, allocated + " bytes allocated over " + 3 * UPDATES + " updates");
    }

    /** Varied samples: rises, drops, stalls, idle, probes, relax; all branches get exercised. */
    private static void run(DrainTimeController drain, InflightController inflight, RateEstimator est, BdiSample s,
            int offset) {
        long written = 0;
        for (int i = 0; i < UPDATES; i++) {
            int phase = (i / 300) % 4;
            long rate = phase == 0 ? 20 * MIB : phase == 1 ? 2 * MIB : phase == 2 ? 0 : 50 * MIB;
            written += rate / 10;
            s.timeNs = (long) (offset + i) * 100 * MS;
            s.dirtyBytes = phase == 3 ? 0 : 3 * MIB;
            s.writebackBytes = 4 * MIB;
            s.writtenBytes = written;
            drain.update(s, phase == 3 ? MIB : 500 * MIB);
            inflight.update(s.timeNs, written, written >> 17, 4 * MIB, 32);
            est.update(s.timeNs, written, 7 * MIB);
        }
    }
}
