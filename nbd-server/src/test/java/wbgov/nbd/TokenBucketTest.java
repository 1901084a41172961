package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import wbgov.nbd.filter.TokenBucket;

class TokenBucketTest {
    private static final long MS = 1_000_000L;

    @Test
    void firstRequestGoesThenDebtMustBePaid() {
        TokenBucket b = new TokenBucket(1 << 20); // 1 MiB/s
        assertEquals(0, b.tryConsume(1 << 20, 0)); // tokens 0 >= 0: goes, 1 MiB of debt
        long wait = b.tryConsume(4096, 0);
        assertEquals(1_000_000_000L, wait); // the debt takes exactly one second at 1 MiB/s
        assertTrue(b.tryConsume(4096, 500 * MS) > 0);
        assertEquals(0, b.tryConsume(4096, 1000 * MS));
    }

    @Test
    void longRunRateIsExactForAnyRequestSize() {
        for (long rate : new long[] {1L << 20, 10L << 20, 100L << 20}) {
            TokenBucket b = new TokenBucket(rate);
            long now = 0;
            long done = 0;
            int req = 1 << 20;
            // A caller that wakes 300 µs late every time: tokens accrue meanwhile.
            while (now < 10_000 * MS) {
                long w = b.tryConsume(req, now);
                if (w == 0) {
                    done += req;
                } else {
                    now += w + 300_000;
                }
            }
            double measured = done / 10.0;
            assertEquals(1.0, measured / rate, 0.02, "rate " + rate);
        }
    }

    @Test
    void rateChangeAppliesFromNow() {
        TokenBucket b = new TokenBucket(1 << 20);
        assertEquals(0, b.tryConsume(1 << 20, 0));
        b.setRate(10 << 20, 100 * MS); // 0.1 MiB paid at the old rate, 0.9 MiB left at 10 MiB/s
        long w = b.tryConsume(1, 100 * MS);
        assertEquals(90 * MS, w, MS);
    }

    @Test
    void zeroRateIsUnlimited() {
        TokenBucket b = new TokenBucket(0);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, b.tryConsume(1 << 30, 0));
        }
    }
}
