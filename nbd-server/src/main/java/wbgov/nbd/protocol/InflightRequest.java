package wbgov.nbd.protocol;

import java.nio.ByteBuffer;

/**
 * One request between "header read" and "reply sent". Reused: each connection keeps a free list
 * of these and grows it only while warming up (never past the in-flight request limit), so the
 * steady state allocates none.
 */
public final class InflightRequest {
    final Connection connection;
    long cookie;
    int type;
    int flags;
    long offset;
    int length;
    int error;
    long arrivalNs;
    /** When its header was read (before any wait for room): its age, as near the client's as the server sees. */
    long receivedNs;
    /** A write counted in the export's {@link wbgov.nbd.filter.WriteFence}, of this epoch (until it left the backend). */
    boolean fenced;
    long fenceEpoch;
    /** Bytes counted against the in-flight byte limit and the emulated rate. */
    long dataBytes;
    int[] chunkIds = new int[8];
    int chunkCount;
    /** Reply header: simple (16), structured (20) + offset (8), or error chunk (20 + 6). */
    final ByteBuffer header = ByteBuffer.allocateDirect(32);
    /** Gathering write: header then payload chunks. */
    ByteBuffer[] iov = new ByteBuffer[9];
    int iovCount;
    InflightRequest nextFree;

    InflightRequest(Connection connection) {
        this.connection = connection;
    }

    void ensureChunks(int n) {
        if (chunkIds.length < n) {
            int cap = Integer.highestOneBit(n - 1) << 1;
            chunkIds = new int[cap];
            iov = new ByteBuffer[cap + 1];
        }
    }

    public long arrivalNs() {
        return arrivalNs;
    }

    public long dataBytes() {
        return dataBytes;
    }

    /** Sends the reply (unless the client is gone) and frees everything the request held. */
    public void complete() {
        connection.completeRequest(this);
    }
}
