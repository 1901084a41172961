package wbgov.governor.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wbgov.governor.daemon.PlantGovernor;

/**
 * A scrape costs the duty cycle nothing: with another thread scraping the governor as fast as
 * it can, the ticking thread allocates no more than it does without (a steady state over a fake
 * kernel, where only the periodic rescans allocate, the same in both windows).
 */
class ScrapeCostsTheTickNothingTest {
    /** A whole number of the plant governor's rescans (every 600 ticks), which allocate: equal windows. */
    private static final int TICKS = 6000;
    /**
     * Parked after each measured tick, in both windows: the room a duty cycle leaves readers (at
     * the daemon's 100 ms interval, 99 % of the time). Back to back a tick always holds the
     * Governor's StampedLock and a scrape waits (3 scrapes in 6000 ticks, once in CI).
     */
    private static final long GAP_NS = 200_000L;

    @TempDir
    Path tmp;

    @Test
    void tickingBesideAScraperAllocatesNothingMore() throws Exception {
        try (PlantGovernor p = new PlantGovernor(tmp)) {
            p.write("sdb", 50 << 20);
            p.run(5);
            p.write("sdb", 0);
            p.run(10); // drained: the steady state
            p.tickAllocatedBytes(20_000); // JIT
            long alone = p.tickAllocatedBytes(TICKS, GAP_NS);

            GovernorCollector c = new GovernorCollector(p.governor()::snapshot);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong scrapes = new AtomicLong();
            Thread scraper = new Thread(() -> {
                while (!stop.get()) {
                    c.collect();
                    scrapes.incrementAndGet();
                }
            }, "scraper");
            scraper.start();
            long beside;
            long ns;
            try {
                while (scrapes.get() < 5) {
                    Thread.onSpinWait();
                }
                long t0 = System.nanoTime();
                long s0 = scrapes.get();
                beside = p.tickAllocatedBytes(TICKS, GAP_NS);
                ns = System.nanoTime() - t0;
                long during = scrapes.get() - s0;
                System.out.printf("%d ticks: %d bytes alone, %d bytes beside %d scrapes (%.1f µs a tick)%n", TICKS,
                        alone, beside, during, ns / 1e3 / TICKS);
                assertTrue(during >= 5, "the scraper ran meanwhile: " + during + " scrapes");
            } finally {
                stop.set(true);
                scraper.join();
            }
            assertTrue(beside <= alone + 1024, TICKS + " ticks allocated " + beside + " bytes beside a scraper, "
                    + alone + " alone: the tick allocates for a scrape");
        }
    }
}
