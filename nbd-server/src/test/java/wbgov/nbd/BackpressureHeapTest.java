package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.testing.TestServer;

/**
 * Back-pressure goes into the sockets, not the heap: 16 connections (fio numjobs=16) each want
 * 64 writes of 64 KiB in flight (64 MiB in all) against a slow export that admits 4 requests.
 * Heap used after a full GC, before and during the long back-pressured run, differs by a few
 * MiB at most (per-connection state), far below what buffering the clients' queues would take.
 */
class BackpressureHeapTest {
    private static long heapUsedAfterGc() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, m.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    @Test
    void manyBackPressuredConnectionsDoNotGrowTheHeap() throws Exception {
        Export export = Export.builder(FileBackend.memory(256L << 20)).maxRequestBytes(1 << 20)
                .inflightRequests(4).inflightBytes(8L << 20).latencyNs(5_000_000).build();
        try (TestServer s = new TestServer(export)) {
            long before = heapUsedAfterGc();
            Process fio = s.fio("--rw=randwrite", "--bs=64k", "--iodepth=64", "--numjobs=16", "--size=16m",
                    "--time_based", "--runtime=60");
            try {
                InflightLimit limit = export.inflightLimit();
                int maxInflight = 0;
                List<Long> heap = new ArrayList<>();
                long end = System.nanoTime() + 5_000_000_000L;
                while (System.nanoTime() - end < 0) {
                    for (int i = 0; i < 100; i++) {
                        maxInflight = Math.max(maxInflight, limit.requests());
                        Thread.sleep(1);
                    }
                    heap.add(heapUsedAfterGc());
                }
                long during = heap.get(heap.size() - 1);
                long peak = heap.stream().mapToLong(Long::longValue).max().orElse(0);
                assertTrue(fio.isAlive(), "fio ended early; see its log in " + s.dir);
                assertTrue(s.server.connectionCount() == 16, "connections: " + s.server.connectionCount());
                System.out.printf("heap used after GC: before %d KiB, during %d KiB, peak %d KiB; max in flight %d; "
                        + "back-pressure waits %d; completed %d%n", before >> 10, during >> 10, peak >> 10, maxInflight,
                        limit.waits(), export.stats().requestsCompleted.get());
                assertTrue(maxInflight <= 4, "in flight " + maxInflight + " above the limit of 4");
                assertTrue(limit.waits() > 100, "clients were not held back: " + limit.waits() + " waits");
                assertTrue(peak - before < 8L << 20, "heap grew by " + ((peak - before) >> 10)
                        + " KiB under back-pressure (clients queue 64 MiB of writes)");
            } finally {
                TestServer.stop(fio);
            }
        }
    }
}
