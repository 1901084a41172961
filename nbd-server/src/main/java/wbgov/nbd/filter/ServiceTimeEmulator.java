package wbgov.nbd.filter;

import java.util.concurrent.locks.LockSupport;
import wbgov.nbd.protocol.InflightRequest;

/**
 * Makes an export as slow as asked: a fixed service time per request ({@code --latency}) and a
 * bandwidth ({@code --rate}), both changeable at runtime.
 *
 * <p>Requests are executed on arrival; their <em>replies</em> wait here, in arrival order, until
 * {@code arrival + latency} has passed and the {@link TokenBucket} has paid for their bytes.
 * They stay in flight meanwhile, so with latency L and a limit of N requests the export
 * completes at most N / L requests per second: throughput = limit / latency, the plainest proof
 * that the in-flight limit holds. A rate change applies to every waiting reply at once (the
 * bucket is consulted only for the head of the queue), so it takes effect within one request.
 *
 * <p>One thread per export; the ring is preallocated at the largest request limit.
 */
public final class ServiceTimeEmulator implements Runnable {
    private final InflightRequest[] ring = new InflightRequest[InflightLimit.MAX_REQUESTS + 1];
    private int head;
    private int count;
    private final TokenBucket bucket;
    private volatile long latencyNs;
    private volatile long rateBytesPerSec;
    private volatile boolean draining;
    private volatile boolean stopped;
    private volatile Thread thread;
    private volatile Runnable threadSetup;

    public ServiceTimeEmulator(long rateBytesPerSec, long latencyNs) {
        this.bucket = new TokenBucket(rateBytesPerSec);
        this.rateBytesPerSec = rateBytesPerSec;
        this.latencyNs = latencyNs;
    }

    /** True when replies must wait here; false lets the reader reply at once (the fast path). */
    public boolean active() {
        return rateBytesPerSec != 0 || latencyNs != 0 || count != 0;
    }

    public void setRate(long bytesPerSec) {
        if (bytesPerSec < 0) {
            throw new IllegalArgumentException("rate must be >= 0 bytes/s (0 = unlimited), got " + bytesPerSec);
        }
        synchronized (this) {
            bucket.setRate(bytesPerSec, System.nanoTime());
            rateBytesPerSec = bytesPerSec;
        }
        wake();
    }

    public void setLatencyNs(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("latency must be >= 0, got " + ns + " ns");
        }
        latencyNs = ns;
        wake();
    }

    public long rateBytesPerSec() {
        return rateBytesPerSec;
    }

    public long latencyNs() {
        return latencyNs;
    }

    /**
     * Runs {@code setup} once on this emulator's own thread, at its next wake-up (the server
     * marks it PR_SET_IO_FLUSHER: it sends replies, so it serves I/O).
     */
    public void runOnThread(Runnable setup) {
        threadSetup = setup;
        wake();
    }

    public void enqueue(InflightRequest r) {
        synchronized (this) {
            ring[(head + count) % ring.length] = r;
            count++;
        }
        wake();
    }

    /** From now on replies go out at once (shutdown: reply to what is in flight, then close). */
    public void drainNow() {
        draining = true;
        wake();
    }

    public void stop() {
        stopped = true;
        draining = true;
        wake();
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (true) {
            Runnable setup = threadSetup;
            if (setup != null) {
                threadSetup = null;
                setup.run();
            }
            InflightRequest ready = null;
            long waitNs = 0;
            synchronized (this) {
                if (count > 0) {
                    InflightRequest h = ring[head];
                    long now = System.nanoTime();
                    long dueNs = h.arrivalNs() + latencyNs;
                    if (!draining && dueNs - now > 0) {
                        waitNs = dueNs - now;
                    } else {
                        long w = draining ? 0 : bucket.tryConsume(h.dataBytes(), now);
                        if (w > 0) {
                            waitNs = w;
                        } else {
                            ready = h;
                            ring[head] = null;
                            head = (head + 1) % ring.length;
                            count--;
                        }
                    }
                } else if (stopped) {
                    return;
                } else {
                    waitNs = 1_000_000_000L;
                }
            }
            if (ready != null) {
                ready.complete();
            } else {
                LockSupport.parkNanos(this, waitNs);
            }
        }
    }
}
