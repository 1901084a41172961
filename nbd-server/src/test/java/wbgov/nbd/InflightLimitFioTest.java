package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.testing.TestServer;

/**
 * The limit holds against a real client that wants more: fio's nbd engine at depth 64 against
 * a slow export (20 ms per request). The server never has more than the limit in flight,
 * throughput is limit / latency, and a runtime change (in-process and over the control socket)
 * moves both.
 */
class InflightLimitFioTest {
    private static final long LATENCY_NS = 20_000_000L;

    /** Samples requests() every 200 µs; the largest seen since the last reset. */
    private static final class Sampler extends Thread {
        final InflightLimit limit;
        final AtomicInteger max = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        long samples;

        Sampler(InflightLimit limit) {
            super("test-sampler");
            this.limit = limit;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!stop.get()) {
                max.accumulateAndGet(limit.requests(), Math::max);
                samples++;
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }
    }

    /** Requests completed per second over {@code ms}. */
    private static double iops(Export e, long ms) throws InterruptedException {
        long c0 = e.stats().requestsCompleted.get();
        long t0 = System.nanoTime();
        Thread.sleep(ms);
        long c1 = e.stats().requestsCompleted.get();
        return (c1 - c0) / ((System.nanoTime() - t0) / 1e9);
    }

    @Test
    void limitHoldsAtDepth64AndRuntimeChangesTakeEffect() throws Exception {
        Export export = Export.builder(FileBackend.memory(256L << 20)).maxRequestBytes(1 << 20)
                .inflightRequests(8).inflightBytes(64L << 20).latencyNs(LATENCY_NS).build();
        try (TestServer s = new TestServer(export)) {
            InflightLimit limit = export.inflightLimit();
            Sampler sampler = new Sampler(limit);
            sampler.start();
            Process fio = s.fio("--rw=randwrite", "--bs=4k", "--iodepth=64", "--size=64m", "--time_based",
                    "--runtime=30");
            try {
                // Phase 1: limit 8 → 8 / 20 ms = 400 requests/s.
                Thread.sleep(1000);
                sampler.max.set(0);
                double iops8 = iops(export, 1500);
                int max8 = sampler.max.get();

                // Phase 2: in-process change (what the governor does) to 16 → 800/s.
                limit.setLimitRequests(16);
                Thread.sleep(300);
                sampler.max.set(0);
                double iops16 = iops(export, 1500);
                int max16 = sampler.max.get();

                // Phase 3: over the control socket (wbgov ctl PATH set inflight 4) → 200/s.
                assertEquals("ok\n", s.ctl("set inflight 4"));
                assertEquals("4\n", s.ctl("get inflight"));
                Thread.sleep(300);
                sampler.max.set(0);
                double iops4 = iops(export, 1500);
                int max4 = sampler.max.get();
                String stats = s.ctl("get stats");
                assertTrue(stats.contains(" limit_inflight=4 "), stats);

                assertTrue(fio.isAlive(), "fio ended early; see its log in " + s.dir);
                assertEquals(8, max8, "in flight at limit 8 (sampled " + sampler.samples + " times)");
                assertEquals(16, max16, "in flight at limit 16");
                assertEquals(4, max4, "in flight at limit 4");
                // throughput = limit / latency; generous bounds: a loaded 2-core box wakes late.
                assertEquals(400, iops8, 400 * 0.2, "IOPS at limit 8, 20 ms");
                assertEquals(800, iops16, 800 * 0.2, "IOPS at limit 16, 20 ms");
                assertEquals(200, iops4, 200 * 0.2, "IOPS at limit 4, 20 ms");
                assertTrue(limit.waits() > 0, "fio at depth 64 must have been held back");
            } finally {
                sampler.stop.set(true);
                TestServer.stop(fio);
            }
        }
    }

    @Test
    void byteLimitHoldsAndChangesAtRuntime() throws Exception {
        // 256 KiB writes at depth 64, request limit out of the way: the byte limit decides.
        Export export = Export.builder(FileBackend.memory(256L << 20)).maxRequestBytes(1 << 20)
                .inflightRequests(1024).inflightBytes(8L << 20).latencyNs(LATENCY_NS).build();
        try (TestServer s = new TestServer(export)) {
            InflightLimit limit = export.inflightLimit();
            assertEquals("ok\n", s.ctl("set inflight-bytes 1M")); // 4 requests of 256 KiB
            long[] maxBytes = new long[1];
            AtomicBoolean stop = new AtomicBoolean();
            Thread sampler = new Thread(() -> {
                while (!stop.get()) {
                    synchronized (maxBytes) {
                        maxBytes[0] = Math.max(maxBytes[0], limit.bytes());
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            Process fio = s.fio("--rw=randwrite", "--bs=256k", "--iodepth=64", "--size=64m", "--time_based",
                    "--runtime=30");
            try {
                Thread.sleep(1000);
                double iops1m = iops(export, 1500);
                long max1m;
                synchronized (maxBytes) {
                    max1m = maxBytes[0];
                    maxBytes[0] = 0;
                }
                assertEquals("ok\n", s.ctl("set inflight-bytes 2M")); // 8 requests
                Thread.sleep(300);
                synchronized (maxBytes) {
                    maxBytes[0] = 0;
                }
                double iops2m = iops(export, 1500);
                long max2m;
                synchronized (maxBytes) {
                    max2m = maxBytes[0];
                }
                assertTrue(fio.isAlive(), "fio ended early; see its log in " + s.dir);
                assertEquals(1L << 20, max1m, "bytes in flight at a 1 MiB limit");
                assertEquals(2L << 20, max2m, "bytes in flight at a 2 MiB limit");
                assertEquals(200, iops1m, 200 * 0.2, "IOPS at 4 × 256 KiB, 20 ms");
                assertEquals(400, iops2m, 400 * 0.2, "IOPS at 8 × 256 KiB, 20 ms");
            } finally {
                stop.set(true);
                TestServer.stop(fio);
            }
        }
    }

    @Test
    void zeroAndTooFewBytesAreRefusedOverTheControlSocket() throws Exception {
        Export export = Export.builder(FileBackend.memory(16L << 20)).maxRequestBytes(1 << 20)
                .inflightRequests(8).inflightBytes(8L << 20).build();
        try (TestServer s = new TestServer(export)) {
            String a = s.ctl("set inflight 0");
            assertTrue(a.startsWith("error: ") && a.contains("at least 1"), a);
            a = s.ctl("set inflight -3");
            assertTrue(a.startsWith("error: "), a);
            a = s.ctl("set inflight-bytes 0");
            assertTrue(a.startsWith("error: ") && a.contains("1048576"), a);
            a = s.ctl("set inflight-bytes 512K");
            assertTrue(a.startsWith("error: ") && a.contains("largest size"), a);
            a = s.ctl("set inflight-bytes 16M");
            assertTrue(a.startsWith("error: ") && a.contains("pool"), a);
            assertEquals("8\n", s.ctl("get inflight"));
            assertEquals((8L << 20) + "\n", s.ctl("get inflight-bytes"));
            assertEquals("ok\n", s.ctl("set inflight-bytes 1M"));
            assertEquals((1L << 20) + "\n", s.ctl("get inflight-bytes"));
        }
    }
}
