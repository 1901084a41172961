package wbgov.nbd.filter;

import java.nio.ByteBuffer;

/**
 * The in-flight limit of one export, and the preallocated buffer pool it guards.
 *
 * <p>"In flight" = accepted from a socket, reply not yet sent. A connection's reader calls
 * {@link #acquire} after reading a request header and before reading its payload; when the
 * export is at its limit the reader blocks there, so it stops reading its socket: back-pressure
 * goes into the socket and the client's queue, never into this process's heap.
 *
 * <p>Three bounds hold at once: requests &le; {@code limitRequests}, data bytes &le; {@code
 * limitBytes}, and chunks &le; what the pool has. Never starved: a request is always admitted
 * when nothing else is in flight, and neither limit can be set below one request (of the
 * largest size the export advertises, for bytes).
 *
 * <p>Payload buffers are chunks ({@link #CHUNK_BYTES}) sliced once from one direct buffer at
 * construction: nothing is allocated per request. The governor sets the limits at runtime
 * through {@link #setLimitRequests}/{@link #setLimitBytes} (its law lives in the governor; this
 * class only enforces).
 */
public final class InflightLimit {
    /** Size of one pool chunk. A request uses ceil(length / chunk) of them. */
    public static final int CHUNK_BYTES = 128 * 1024;
    /** Largest settable request limit; also the size of the completion ring. */
    public static final int MAX_REQUESTS = 4096;

    private final long minimumBytes;
    private final long capacityBytes;
    private final ByteBuffer[] chunks;
    private final int[] freeChunks;
    private int freeCount;

    private int limitRequests;
    private long limitBytes;
    private int requests;
    private long bytes;
    private boolean closed;
    private long waits;

    /**
     * @param maxRequestBytes the largest READ/WRITE the export advertises: the floor of the
     *     byte limit
     * @param capacityBytes the pool: the largest byte limit that can ever be set
     * @param limitRequests initial request limit
     * @param limitBytes initial byte limit
     */
    public InflightLimit(long maxRequestBytes, long capacityBytes, int limitRequests, long limitBytes) {
        if (capacityBytes < maxRequestBytes) {
            throw new IllegalArgumentException("in-flight pool (" + capacityBytes
                    + " bytes) must hold at least one request of the largest size (" + maxRequestBytes + " bytes)");
        }
        this.minimumBytes = maxRequestBytes;
        this.capacityBytes = capacityBytes;
        // Slack of 64 chunks: small requests round up to a whole chunk each.
        int n = (int) ((capacityBytes + CHUNK_BYTES - 1) / CHUNK_BYTES) + 64;
        ByteBuffer all = ByteBuffer.allocateDirect(n * CHUNK_BYTES + 4096).alignedSlice(4096);
        chunks = new ByteBuffer[n];
        freeChunks = new int[n];
        for (int i = 0; i < n; i++) {
            all.limit((i + 1) * CHUNK_BYTES).position(i * CHUNK_BYTES);
            chunks[i] = all.slice();
            // Touch every page now, so that mlockall(MCL_ONFAULT) later locks them all.
            for (int p = 0; p < CHUNK_BYTES; p += 4096) {
                chunks[i].put(p, (byte) 0);
            }
            freeChunks[i] = n - 1 - i;
        }
        freeCount = n;
        setLimitRequests(limitRequests);
        setLimitBytes(limitBytes);
    }

    /** Chunks needed for a payload of {@code length} bytes. */
    public static int chunksFor(long length) {
        return (int) ((length + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    public ByteBuffer chunk(int id) {
        return chunks[id];
    }

    /**
     * Waits until one more request of {@code dataBytes} using {@code nChunks} chunks fits, then
     * takes them: chunk ids are written to {@code chunkIdsOut}. Returns false when the export is
     * closing (nothing taken).
     */
    public synchronized boolean acquire(long dataBytes, int nChunks, int[] chunkIdsOut) throws InterruptedException {
        boolean waited = false;
        while (!closed && requests > 0
                && (requests + 1 > limitRequests || bytes + dataBytes > limitBytes || nChunks > freeCount)) {
            if (!waited) {
                waits++;
                waited = true;
            }
            wait();
        }
        if (closed) {
            return false;
        }
        requests++;
        bytes += dataBytes;
        for (int i = 0; i < nChunks; i++) {
            chunkIdsOut[i] = freeChunks[--freeCount];
        }
        return true;
    }

    /** Gives back what {@link #acquire} took. */
    public synchronized void release(long dataBytes, int nChunks, int[] chunkIds) {
        requests--;
        bytes -= dataBytes;
        for (int i = 0; i < nChunks; i++) {
            freeChunks[freeCount++] = chunkIds[i];
        }
        notifyAll();
    }

    /** Sets the request limit; refuses values below 1 or above {@link #MAX_REQUESTS}. */
    public synchronized void setLimitRequests(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("in-flight request limit must be at least 1 (one request always fits), got " + n);
        }
        if (n > MAX_REQUESTS) {
            throw new IllegalArgumentException("in-flight request limit must be at most " + MAX_REQUESTS + ", got " + n);
        }
        limitRequests = n;
        notifyAll();
    }

    /** Sets the byte limit; refuses values below one largest request or above the pool. */
    public synchronized void setLimitBytes(long n) {
        if (n < minimumBytes) {
            throw new IllegalArgumentException("in-flight byte limit must be at least one request of the largest size this export advertises ("
                    + minimumBytes + " bytes), got " + n);
        }
        if (n > capacityBytes) {
            throw new IllegalArgumentException("in-flight byte limit " + n + " exceeds the preallocated pool ("
                    + capacityBytes + " bytes); restart the server with a larger --inflight-bytes");
        }
        limitBytes = n;
        notifyAll();
    }

    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    public synchronized int limitRequests() {
        return limitRequests;
    }

    public synchronized long limitBytes() {
        return limitBytes;
    }

    public synchronized int requests() {
        return requests;
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** How many times a reader had to wait for room: back-pressure events. */
    public synchronized long waits() {
        return waits;
    }

    public long minimumBytes() {
        return minimumBytes;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public int poolChunks() {
        return chunks.length;
    }
}
