package wbgov.nbd.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** {@link WriteFence}: a fence waits for the writes in progress when it started, and only those. */
class WriteFenceTest {
    private static final long S = 1_000_000_000L;

    @Test
    void nothingInProgressPassesAtOnce() throws Exception {
        WriteFence f = new WriteFence();
        assertTrue(f.await(0));
        assertEquals(0, f.inProgress());
    }

    @Test
    void waitsForTheWritesBeforeItAndNotForThoseAfter() throws Exception {
        WriteFence f = new WriteFence();
        long before = f.enter();
        CompletableFuture<Boolean> fence = CompletableFuture.supplyAsync(() -> {
            try {
                return f.await(10 * S);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // the fence moves the epoch on at once; a write that begins now is not waited for
        long deadline = System.nanoTime() + 5 * S;
        long after;
        do {
            after = f.enter();
            if (after == before) {
                f.exit(after); // the fence had not started yet: try again
            }
        } while (after == before && System.nanoTime() < deadline);
        assertTrue(after != before, "the fence moved the epoch on");
        try {
            fence.get(200, TimeUnit.MILLISECONDS);
            throw new AssertionError("the fence passed with a write of before it in progress");
        } catch (TimeoutException expected) {
            // still waiting for `before`
        }
        f.exit(before);
        assertTrue(fence.get(5, TimeUnit.SECONDS), "the fence passes once the earlier write left; a later one in progress");
        assertEquals(1, f.inProgress());
        f.exit(after);
        assertEquals(0, f.inProgress());
    }

    @Test
    void aStuckWriteTimesTheFenceOutAndTheNextFenceStillWaitsForIt() throws Exception {
        WriteFence f = new WriteFence();
        long stuck = f.enter();
        assertFalse(f.await(50_000_000L), "a write stuck in the backend: refused after the timeout");
        assertFalse(f.await(50_000_000L), "the epochs moved on twice: the stuck write is waited for again");
        f.exit(stuck);
        assertTrue(f.await(S));
    }
}
