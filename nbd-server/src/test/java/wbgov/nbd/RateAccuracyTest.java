package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.testing.TestServer;

/**
 * --rate is precise: one fio run (32 KiB writes, depth 64) against an export whose rate is
 * changed at runtime 1M → 10M → 100M → 1M bytes/s (powers of 1024). Each rate is measured from
 * the server's completed-bytes counter, within 5 % over 2 s once settled; and each change is
 * in force within a second (the window from 0.3 s to 1 s after it is already within 10 %).
 */
class RateAccuracyTest {
    private static final long MIB = 1L << 20;

    private static double bytesPerSec(Export e, long ms) throws InterruptedException {
        long b0 = e.stats().bytesWritten.get();
        long t0 = System.nanoTime();
        Thread.sleep(ms);
        long b1 = e.stats().bytesWritten.get();
        return (b1 - b0) / ((System.nanoTime() - t0) / 1e9);
    }

    @Test
    void measuredRateWithinFivePercentAndChangesWithinASecond() throws Exception {
        Export export = Export.builder(FileBackend.memory(256L << 20)).maxRequestBytes(1 << 20)
                .inflightRequests(64).inflightBytes(16L << 20).rateBytesPerSec(MIB).build();
        try (TestServer s = new TestServer(export)) {
            Process fio = s.fio("--rw=write", "--bs=32k", "--iodepth=64", "--size=256m", "--time_based",
                    "--runtime=60");
            StringBuilder report = new StringBuilder();
            boolean ok = true;
            try {
                Thread.sleep(500);
                long[] rates = {MIB, 10 * MIB, 100 * MIB, MIB};
                for (int i = 0; i < rates.length; i++) {
                    long rate = rates[i];
                    if (i > 0) {
                        assertEquals("ok\n", s.ctl("set rate " + (rate / MIB) + "M"));
                    }
                    Thread.sleep(300);
                    double early = bytesPerSec(export, 700);
                    double settled = bytesPerSec(export, 2000);
                    boolean pass = Math.abs(settled / rate - 1) <= 0.05 && (i == 0 || Math.abs(early / rate - 1) <= 0.10);
                    ok &= pass;
                    report.append(String.format("rate %d MiB/s: settled %.3f MiB/s (%.1f %%), 0.3-1 s after change %.3f MiB/s%s%n",
                            rate / MIB, settled / MIB, 100 * (settled / rate - 1), early / MIB, pass ? "" : "  <-- off"));
                }
                assertTrue(fio.isAlive(), "fio ended early; see its log in " + s.dir);
            } finally {
                TestServer.stop(fio);
            }
            System.out.print(report);
            assertTrue(ok, report.toString());
        }
    }
}
