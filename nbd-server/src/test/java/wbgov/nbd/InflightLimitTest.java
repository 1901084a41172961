package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import wbgov.nbd.filter.InflightLimit;

/** The limit on its own: floors refused with a clear message, blocking at the limit, release wakes. */
class InflightLimitTest {
    private static final long MAX_REQ = 1 << 20;

    @Test
    void zeroAndBelowOneLargestRequestAreRefused() {
        InflightLimit l = new InflightLimit(MAX_REQ, 8 * MAX_REQ, 4, 8 * MAX_REQ);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.setLimitRequests(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> l.setLimitBytes(0));
        assertTrue(e.getMessage().contains("at least one request of the largest size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> l.setLimitBytes(MAX_REQ - 1));
        assertThrows(IllegalArgumentException.class, () -> l.setLimitBytes(9 * MAX_REQ));
        assertEquals(4, l.limitRequests());
        assertEquals(8 * MAX_REQ, l.limitBytes());
        l.setLimitBytes(MAX_REQ); // exactly one largest request: allowed
        assertEquals(MAX_REQ, l.limitBytes());
    }

    @Test
    void readerBlocksAtTheLimitAndAReleaseLetsItIn() throws Exception {
        InflightLimit l = new InflightLimit(MAX_REQ, 8 * MAX_REQ, 2, 8 * MAX_REQ);
        int[] a = new int[1];
        int[] b = new int[1];
        int[] c = new int[1];
        assertTrue(l.acquire(4096, 1, a));
        assertTrue(l.acquire(4096, 1, b));
        Thread t = new Thread(() -> {
            try {
                l.acquire(4096, 1, c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        t.join(200);
        assertTrue(t.isAlive(), "a third request must wait at a limit of 2");
        assertEquals(2, l.requests());
        l.release(4096, 1, a);
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(t.isAlive());
        assertEquals(2, l.requests());
        assertEquals(1, l.waits());
    }

    @Test
    void aRequestAlwaysFitsWhenNothingIsInFlight() throws Exception {
        InflightLimit l = new InflightLimit(MAX_REQ, MAX_REQ, 1, MAX_REQ);
        int[] ids = new int[InflightLimit.chunksFor(MAX_REQ)];
        assertTrue(l.acquire(MAX_REQ, ids.length, ids));
        l.release(MAX_REQ, ids.length, ids);
        assertEquals(0, l.requests());
        assertEquals(0, l.bytes());
    }
}
