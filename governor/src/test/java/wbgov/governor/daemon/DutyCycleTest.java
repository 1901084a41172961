package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DutyCycleTest {
    @Test
    void aFailingTickIsCountedAndTheLoopGoesOnUntilStopped() throws Exception {
        AtomicInteger n = new AtomicInteger();
        List<Boolean> health = new ArrayList<>();
        DutyCycle[] self = new DutyCycle[1];
        DutyCycle c = new DutyCycle(now -> {
            int i = n.incrementAndGet();
            if (i == 2 || i == 3) {
                throw new IOException("device vanished mid-read");
            }
            if (i == 5) {
                throw new IllegalStateException("another kind");
            }
        }, 1_000_000L, (now, healthy) -> {
            synchronized (health) {
                health.add(healthy);
                if (health.size() == 8) {
                    self[0].stop();
                }
            }
        });
        self[0] = c;
        Thread t = new Thread(c::run);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(t.isAlive(), "stop() from the after-tick hook ended the loop");
        assertEquals(List.of(true, false, false, true, false, true, true, true), health);
        assertEquals(3, c.failedTicks());
        assertTrue(c.firstError() instanceof IOException);
    }

    @Test
    void stopFromAnotherThreadEndsALongSleepAtOnce() throws Exception {
        DutyCycle c = new DutyCycle(now -> { }, TimeUnit.SECONDS.toNanos(3600), (now, healthy) -> { });
        Thread t = new Thread(c::run);
        t.start();
        Thread.sleep(200); // in its hour-long park
        long t0 = System.nanoTime();
        c.stop();
        t.join(5000);
        assertFalse(t.isAlive());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }
}
