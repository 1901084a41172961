package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.stats.ServingAllocation;
import wbgov.nbd.stats.ServingAllocation.Measurement;
import wbgov.nbd.testing.TestServer;

/**
 * No allocation per request: the heap bytes allocated by the serving threads (every thread
 * named "nbd-…": connection threads, the export's service-time thread) over 150 000 requests
 * of fio's nbd engine, after warm-up, divided by the requests served.
 */
class AllocationPerRequestTest {
    static final long WARMUP_REQUESTS = 50_000;
    static final long MEASURED_REQUESTS = 150_000;

    private static void waitFor(Export e, long requests, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (e.stats().requestsCompleted.get() < requests && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
    }

    private static void run(Export export, String what, String... fioArgs) throws Exception {
        try (TestServer s = new TestServer(export)) {
            Process fio = s.fio(fioArgs);
            try {
                waitFor(export, WARMUP_REQUESTS, 60_000);
                Measurement m = ServingAllocation.measure(export, MEASURED_REQUESTS, 60_000);
                assertTrue(fio.isAlive(), "fio ended early; see its log in " + s.dir);
                System.out.printf("%s: %d bytes allocated by %d serving threads over %d requests = %.4f bytes/request%n",
                        what, m.bytes(), m.threads(), m.requests(), m.bytesPerRequest());
                assertTrue(m.requests() >= MEASURED_REQUESTS, "only " + m.requests() + " requests in 60 s");
                assertTrue(m.bytesPerRequest() < 1.0, what + ": " + m.bytesPerRequest() + " bytes allocated per request ("
                        + m.bytes() + " bytes over " + m.requests() + " requests)");
            } finally {
                TestServer.stop(fio);
            }
        }
    }

    @Test
    void theInstrumentSeesAllocation() {
        // Guards against a measurement that reads 0 for everything.
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        byte[][] keep = new byte[64][];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = new byte[16 * 1024];
        }
        long after = mx.getThreadAllocatedBytes(id);
        assertTrue(after - before >= 64L * 16 * 1024, "allocated " + (after - before) + " for " + keep.length + " arrays");
    }

    @Test
    void fastPathAllocatesNothingPerRequest() throws Exception {
        // Two connections, reads and writes mixed, structured replies (libnbd asks for them).
        run(Export.builder(FileBackend.memory(64L << 20)).build(), "fast path",
                "--rw=randrw", "--bs=4k", "--iodepth=32", "--numjobs=2", "--size=32m", "--time_based",
                "--runtime=60");
    }

    @Test
    void emulatedPathAllocatesNothingPerRequest() throws Exception {
        // Replies pass through the service-time thread (rate and latency set).
        run(Export.builder(FileBackend.memory(64L << 20)).rateBytesPerSec(4L << 30).latencyNs(50_000).build(),
                "emulated path", "--rw=randrw", "--bs=4k", "--iodepth=32", "--size=32m", "--time_based",
                "--runtime=60");
    }
}
