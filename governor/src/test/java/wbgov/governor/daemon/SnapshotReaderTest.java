package wbgov.governor.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;
import org.junit.jupiter.api.Test;

/**
 * {@link SnapshotReader#consistent}: a reader sees the state of one whole tick, never parts of
 * two. The "tick" holds the write lock as {@link Governor#doWork} does and publishes two fields;
 * the first read takes one field before the tick and the other after it, the torn read that made
 * a status and a scrape of the "same" tick show different drain times.
 */
class SnapshotReaderTest {
    private volatile long first;
    private volatile long second;

    /** A tick, run while the reader is between its two fields. */
    private void tick(StampedLock published, long value) {
        long stamp = published.writeLock();
        try {
            first = value;
            second = value;
        } finally {
            published.unlockWrite(stamp);
        }
    }

    @Test
    void aReadThatATickCrossedIsReadAgain() throws Exception {
        StampedLock published = new StampedLock();
        CountDownLatch midRead = new CountDownLatch(1);
        CountDownLatch ticked = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        CompletableFuture<long[]> reader = CompletableFuture.supplyAsync(() -> SnapshotReader.consistent(published,
                () -> {
                    long a = first;
                    if (reads.incrementAndGet() == 1) {
                        midRead.countDown();
                        await(ticked);
                    }
                    return new long[] {a, second};
                }));
        assertEquals(true, midRead.await(5, TimeUnit.SECONDS));
        tick(published, 1);
        ticked.countDown();
        assertArrayEquals(new long[] {1, 1}, reader.get(5, TimeUnit.SECONDS), "a read across a tick saw parts of two");
        assertEquals(2, reads.get());
    }

    @Test
    void aQuietReadIsOneRead() {
        StampedLock published = new StampedLock();
        AtomicInteger reads = new AtomicInteger();
        assertEquals(7, SnapshotReader.consistent(published, () -> {
            reads.incrementAndGet();
            return 7;
        }));
        assertEquals(1, reads.get());
    }

    @Test
    void aFaultOfATornReadIsRetriedAndAFaultOfAWholeOneIsThrown() throws Exception {
        StampedLock published = new StampedLock();
        CountDownLatch midRead = new CountDownLatch(1);
        CountDownLatch ticked = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> SnapshotReader.consistent(published,
                () -> {
                    if (reads.incrementAndGet() == 1) {
                        midRead.countDown();
                        await(ticked);
                        throw new ArrayIndexOutOfBoundsException("a device list swapped underneath");
                    }
                    return second;
                }));
        assertEquals(true, midRead.await(5, TimeUnit.SECONDS));
        tick(published, 2);
        ticked.countDown();
        assertEquals(2L, reader.get(5, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> SnapshotReader.consistent(published, () -> {
            throw new IllegalStateException("a real fault");
        }));
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
