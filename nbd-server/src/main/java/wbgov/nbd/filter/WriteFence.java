package wbgov.nbd.filter;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Lets a new connection wait until every write an export had received before it has reached the
 * backend: the fence a reconnect needs.
 *
 * <p>Why: when a client's connection dies (its own timeout, a network cut), the server may still
 * be writing a request that connection sent. The client reconnects and re-sends what got no reply
 * (the kernel client requeues it), or reads the block: if the old write lands after that, the
 * client reads stale data or its newer write is overwritten by the older one. A connection that
 * enters transmission first waits for the writes in progress at that moment ({@link #await}); a
 * write in progress is one whose payload is being received or executed (from admission to the
 * backend's return). A write that already returned from the backend and only waits for its reply
 * (the emulated service time) is in the backend: no fence needed.
 *
 * <p>How (the two-counter epoch scheme of SRCU): writes count themselves in the counter of the
 * epoch current when they begin; a fence moves the epoch on and waits for the old epoch's counter
 * to reach zero. Writes that begin after the move count in the new epoch and are not waited for,
 * so live connections that keep writing (multi-conn) never starve a fence. A write that read the
 * old epoch but counted itself after the move re-checks and moves over. Two atomic adds per
 * write, nothing allocated; fences are serialised. A fence that timed out leaves stragglers in the
 * old epoch's slot, which no new write joins until the next move: the next fence waits for them
 * before it moves on (else their slot would be reused and they would be waited for by nobody).
 *
 * <pre>
 *   epoch   0 ───────────────┬── 1 ──────────────
 *   writes  ▮▮▮ ▮▮ ▮▮▮▮ (in 0) │  ▮▮ ▮▮▮ (in 1, not waited for)
 *   fence                    ├─ waits until count[0] = 0 ─┤ then the new connection proceeds
 * </pre>
 */
public final class WriteFence {
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLongArray inProgress = new AtomicLongArray(2);
    private final Object fences = new Object();
    /** The last fence timed out: its epoch's slot still counts stragglers (guarded by fences). */
    private boolean unfinished;

    /** A write begins (before its payload is read); returns the epoch to pass to {@link #exit}. */
    public long enter() {
        while (true) {
            long e = epoch.get();
            inProgress.incrementAndGet((int) (e & 1));
            if (epoch.get() == e) {
                return e; // a fence moving on after this point waits for us
            }
            inProgress.decrementAndGet((int) (e & 1)); // a fence moved on in between: count in the new epoch
        }
    }

    /** The write of {@code epoch} has returned from the backend (or was abandoned). */
    public void exit(long enteredEpoch) {
        inProgress.decrementAndGet((int) (enteredEpoch & 1));
    }

    /** Writes in progress now, both epochs (for tests and stats). */
    public long inProgress() {
        return inProgress.get(0) + inProgress.get(1);
    }

    /**
     * Waits until every write that began before this call has returned from the backend.
     *
     * @param timeoutNs the most to wait
     * @return false when writes were still in progress after {@code timeoutNs} (a backend stuck
     *     in a write: the caller refuses the connection rather than serve stale data)
     */
    public boolean await(long timeoutNs) throws InterruptedException {
        synchronized (fences) {
            long deadline = System.nanoTime() + timeoutNs;
            if (unfinished) {
                // The last fence timed out: writes of the epoch before the current one are still
                // in progress, in the slot no new write joins (the current epoch counts in the
                // other). They began before this fence too: wait for them first.
                if (!drained((int) ((epoch.get() - 1) & 1), deadline)) {
                    return false;
                }
                unfinished = false;
            }
            long old = epoch.getAndIncrement();
            if (!drained((int) (old & 1), deadline)) {
                unfinished = true; // the next fence waits for these stragglers before it moves on
                return false;
            }
            return true;
        }
    }

    /** Waits until {@code slot} counts no write, or the deadline. */
    private boolean drained(int slot, long deadline) throws InterruptedException {
        long sleepNs = 10_000L;
        while (inProgress.get(slot) > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(sleepNs);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            sleepNs = Math.min(sleepNs * 2, 10_000_000L);
        }
        return true;
    }
}
