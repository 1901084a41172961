package wbgov.nbd.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.nbd.Export;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.filter.InflightLimit;
import wbgov.nbd.filter.ServiceTimeEmulator;
import wbgov.nbd.filter.WriteFence;
import wbgov.nbd.stats.ExportStats;

/**
 * One client connection: the handshake, then the request loop
 * <b>read → validate → admit → execute → reply</b>, on this connection's own thread.
 *
 * <p>Requests are pipelined: the loop reads the next request while earlier replies wait in the
 * export's {@link ServiceTimeEmulator}; replies go out in completion order under one write lock.
 * The steady state allocates nothing: header and reply buffers are direct and reused, payloads
 * live in the export's pool, request objects come from a free list.
 */
public final class Connection implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    /** How long a new connection waits for writes in progress before it is refused (a stuck backend). */
    static final long FENCE_TIMEOUT_NS = 60_000_000_000L;

    /** Most descriptors in one BLOCK_STATUS reply (bounds the reply to one pool chunk). */
    static final int MAX_EXTENTS = 1024;

    private final SocketChannel ch;
    private final ExportRegistry exports;
    private final String peer;
    private final Runnable onClose;
    private final IoThreadSetup ioThreadSetup;

    private Export export;
    private Backend backend;
    private InflightLimit limit;
    private ServiceTimeEmulator emulator;
    private ExportStats stats;
    private WriteFence fence;
    private Session session;

    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(Wire.REQUEST_HEADER_BYTES);
    private final Object writeLock = new Object();
    private volatile boolean peerGone;

    private InflightRequest freeList;
    private int inflightHere;
    private volatile boolean closing;

    /** What must happen on every thread that serves I/O (PR_SET_IO_FLUSHER), set by the server. */
    public interface IoThreadSetup {
        void onIoThread();
    }

    public Connection(SocketChannel ch, ExportRegistry exports, String peer, IoThreadSetup ioThreadSetup, Runnable onClose) {
        this.ch = ch;
        this.exports = exports;
        this.peer = peer;
        this.ioThreadSetup = ioThreadSetup;
        this.onClose = onClose;
    }

    public String peer() {
        return peer;
    }

    public Export export() {
        return export;
    }

    /** Stops reading new requests; replies to those in flight still go out, then it closes. */
    public void shutdown() {
        closing = true;
        try {
            ch.shutdownInput();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void run() {
        ioThreadSetup.onIoThread();
        try {
            session = new Handshake(ch, exports, peer).run();
            if (session == null) {
                return;
            }
            export = session.export();
            backend = export.backend();
            limit = export.inflightLimit();
            emulator = export.emulator();
            stats = export.stats();
            fence = export.writeFence();
            stats.connectionsOpened.incrementAndGet();
            // Before its first request: the writes of connections that died (a client reconnecting
            // after its timeout) must be in the backend, or this one could read around them.
            if (fence.inProgress() > 0) {
                long t0 = System.nanoTime();
                if (!fence.await(FENCE_TIMEOUT_NS)) {
                    throw new ProtocolException("writes to export '" + export.name() + "' still in the backend after "
                            + FENCE_TIMEOUT_NS / 1_000_000_000L + " s: refusing the connection rather than serving around them");
                }
                stats.fenceWaits.incrementAndGet();
                LOG.info("{}: waited {} ms for writes in progress (of earlier connections) before serving", peer,
                        (System.nanoTime() - t0) / 1_000_000);
            }
            LOG.info("{}: connected to export '{}'{}", peer, export.name(),
                    session.structuredReplies() ? " (structured replies" + (session.baseAllocation() ? ", base:allocation)" : ")") : "");
            requestLoop();
        } catch (ProtocolException e) {
            if (stats != null) {
                stats.connectionsClosedOnProtocolError.incrementAndGet();
            }
            LOG.warn("{}: protocol error, closing connection: {}", peer, e.getMessage());
        } catch (EOFException e) {
            if (!closing) {
                // An orderly close between requests ends requestLoop without an exception: this is
                // a close in the middle of a frame (truncated header or payload), so say which.
                LOG.info("{}: client closed the connection{}: {}", peer, export == null ? " during handshake" : " without DISC",
                        e.getMessage());
            }
        } catch (IOException e) {
            if (!closing) {
                LOG.info("{}: connection lost: {}", peer, e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            awaitInflight();
            try {
                ch.close();
            } catch (IOException e) {
                // nothing left to do
            }
            onClose.run();
        }
    }

    private void requestLoop() throws IOException, ProtocolException, InterruptedException {
        final ByteBuffer hdr = requestHeader;
        final long size = backend.size();
        final int maxRequest = export.maxRequestBytes();
        final int minBlock = export.minimumBlockBytes();
        final boolean readOnly = export.readOnly();
        final boolean structured = session.structuredReplies();
        final boolean baseAllocation = session.baseAllocation();
        while (true) {
            hdr.clear();
            if (!readFully(hdr, true)) {
                return; // orderly EOF between requests
            }
            long receivedNs = System.nanoTime();
            int magic = hdr.getInt(0);
            if (magic != Wire.REQUEST_MAGIC) {
                throw new ProtocolException("bad request magic 0x" + Integer.toHexString(magic));
            }
            int flags = Short.toUnsignedInt(hdr.getShort(4));
            int type = Short.toUnsignedInt(hdr.getShort(6));
            long cookie = hdr.getLong(8);
            long offset = hdr.getLong(16);
            long length = Integer.toUnsignedLong(hdr.getInt(24));
            if (type == Wire.CMD_DISC) {
                return; // reply to what is in flight, then close (finally block)
            }
            boolean hasPayload = type == Wire.CMD_WRITE;
            if (hasPayload && length > maxRequest) {
                // We cannot buffer it and cannot resynchronise without reading it: the spec
                // lets the server close. A 4 GiB "write" is how a hostile client would try.
                throw new ProtocolException("WRITE of " + length + " bytes exceeds the advertised maximum of " + maxRequest);
            }
            int error = validate(type, flags, offset, length, size, maxRequest, minBlock, readOnly, structured,
                    baseAllocation);
            long dataBytes = (type == Wire.CMD_READ && error == 0) || hasPayload ? length : 0;
            // A WRITE payload is received whole into pool chunks before it touches the backend:
            // a client that dies mid-payload leaves the export exactly as it was.
            int nChunks = type == Wire.CMD_BLOCK_STATUS && error == 0 ? 1 : InflightLimit.chunksFor(dataBytes);

            InflightRequest r = takeRequest();
            r.ensureChunks(nChunks);
            if (!limit.acquire(dataBytes, nChunks, r.chunkIds)) {
                returnRequest(r);
                return; // export shutting down
            }
            // Service time starts at admission: a wait for room above is back-pressure, not
            // service, and must not shorten the emulated latency (throughput = limit / latency).
            long arrivalNs = System.nanoTime();
            r.cookie = cookie;
            r.type = type;
            r.flags = flags;
            r.offset = offset;
            r.length = (int) length; // unsigned: TRIM, WRITE_ZEROES and BLOCK_STATUS may exceed 2 GiB
            r.arrivalNs = arrivalNs;
            r.receivedNs = receivedNs;
            r.dataBytes = dataBytes;
            r.chunkCount = nChunks;
            // A request that changes data is fenced from payload to the backend's return: a
            // reconnect waits for it (WriteFence), so nobody reads around a write still landing.
            r.fenced = error == 0 && (hasPayload || type == Wire.CMD_TRIM || type == Wire.CMD_WRITE_ZEROES);
            if (r.fenced) {
                r.fenceEpoch = fence.enter();
            }
            try {
                if (hasPayload) {
                    readPayload(r);
                }
            } catch (IOException e) {
                // The client went away mid-payload: give its slot back, or every such
                // disconnect would shrink the export's limit for good (down to a wedge).
                java.util.Arrays.fill(r.iov, null);
                limit.release(r.dataBytes, r.chunkCount, r.chunkIds);
                leaveFence(r);
                returnRequest(r);
                throw e;
            }
            if (error == 0) {
                error = execute(r);
            }
            leaveFence(r);
            r.error = error;
            prepareReply(r, structured);
            if (emulator.active()) {
                emulator.enqueue(r);
            } else {
                completeRequest(r);
            }
        }
    }

    private void leaveFence(InflightRequest r) {
        if (r.fenced) {
            r.fenced = false;
            fence.exit(r.fenceEpoch);
        }
    }

    /** The errno to reply with, or 0. Commands the client may not send get EINVAL. */
    private static int validate(int type, int flags, long offset, long length, long size, int maxRequest,
            int minBlock, boolean readOnly, boolean structured, boolean baseAllocation) {
        int allowed;
        switch (type) {
            case Wire.CMD_READ: allowed = Wire.CMD_FLAG_DF; break;
            case Wire.CMD_WRITE: allowed = Wire.CMD_FLAG_FUA; break;
            case Wire.CMD_FLUSH: allowed = 0; break;
            case Wire.CMD_TRIM: allowed = Wire.CMD_FLAG_FUA; break;
            case Wire.CMD_CACHE: allowed = 0; break;
            case Wire.CMD_WRITE_ZEROES: allowed = Wire.CMD_FLAG_FUA | Wire.CMD_FLAG_NO_HOLE | Wire.CMD_FLAG_FAST_ZERO; break;
            case Wire.CMD_BLOCK_STATUS: allowed = Wire.CMD_FLAG_REQ_ONE; break;
            default: return Wire.EINVAL;
        }
        // The spec: FUA "is valid for all commands, provided NBD_FLAG_SEND_FUA has been
        // negotiated, in which case the server MUST accept all commands with this bit set".
        allowed |= Wire.CMD_FLAG_FUA;
        if ((flags & ~allowed) != 0) {
            return Wire.EINVAL;
        }
        if (type == Wire.CMD_FLUSH) {
            return offset == 0 && length == 0 ? 0 : Wire.EINVAL;
        }
        if (offset < 0 || offset + length > size || offset + length < offset) {
            return Wire.EINVAL;
        }
        if (readOnly && (type == Wire.CMD_WRITE || type == Wire.CMD_TRIM || type == Wire.CMD_WRITE_ZEROES)) {
            return Wire.EPERM;
        }
        if (type == Wire.CMD_READ && length > maxRequest) {
            return structured ? Wire.EOVERFLOW : Wire.EINVAL;
        }
        // Without a negotiated base:allocation there is no context id to answer for.
        if (type == Wire.CMD_BLOCK_STATUS && (!structured || !baseAllocation || length == 0)) {
            return Wire.EINVAL;
        }
        if (minBlock > 1 && (type == Wire.CMD_READ || type == Wire.CMD_WRITE)
                && ((offset | length) & (minBlock - 1)) != 0) {
            return Wire.EINVAL;
        }
        return 0;
    }

    private int execute(InflightRequest r) {
        switch (r.type) {
            case Wire.CMD_READ: {
                long off = r.offset;
                int left = r.length;
                for (int i = 0; i < r.chunkCount; i++) {
                    ByteBuffer c = limit.chunk(r.chunkIds[i]);
                    int n = Math.min(left, InflightLimit.CHUNK_BYTES);
                    c.clear().limit(n);
                    int err = backend.read(c, off);
                    if (err != 0) {
                        return err;
                    }
                    c.flip();
                    off += n;
                    left -= n;
                }
                return 0;
            }
            case Wire.CMD_WRITE: {
                long off = r.offset;
                for (int i = 0; i < r.chunkCount; i++) {
                    ByteBuffer c = limit.chunk(r.chunkIds[i]);
                    int n = c.position();
                    c.flip();
                    int err = backend.write(c, off);
                    if (err != 0) {
                        return err;
                    }
                    off += n;
                }
                return (r.flags & Wire.CMD_FLAG_FUA) != 0 ? backend.flush() : 0;
            }
            case Wire.CMD_FLUSH:
                stats.flushes.incrementAndGet();
                return backend.flush();
            case Wire.CMD_TRIM: {
                int err = r.length == 0 ? 0 : backend.trim(r.offset, Integer.toUnsignedLong(r.length));
                return err == 0 && (r.flags & Wire.CMD_FLAG_FUA) != 0 ? backend.flush() : err;
            }
            case Wire.CMD_WRITE_ZEROES: {
                int err = r.length == 0 ? 0 : backend.zero(r.offset, Integer.toUnsignedLong(r.length), (r.flags & Wire.CMD_FLAG_NO_HOLE) == 0,
                        (r.flags & Wire.CMD_FLAG_FAST_ZERO) != 0);
                return err == 0 && (r.flags & Wire.CMD_FLAG_FUA) != 0 ? backend.flush() : err;
            }
            case Wire.CMD_CACHE:
                return 0; // advisory; a memfd or the page cache already holds what we serve
            case Wire.CMD_BLOCK_STATUS:
                return blockStatus(r);
            default:
                return Wire.EINVAL;
        }
    }

    /** base:allocation extents into the request's one chunk: context id, then (length, flags)*. */
    private int blockStatus(InflightRequest r) {
        ByteBuffer c = limit.chunk(r.chunkIds[0]);
        c.clear();
        c.putInt(Wire.META_ID_BASE_ALLOCATION);
        long off = r.offset;
        long end = r.offset + Integer.toUnsignedLong(r.length); // lengths up to 4 GiB - 1
        int max = (r.flags & Wire.CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_EXTENTS;
        int n = 0;
        int lastFlags = -1;
        while (off < end && n < max) {
            // Descriptor lengths are 32-bit: ask for at most 2^32 - 4 KiB per step.
            long run = backend.extent(off, Math.min(end - off, 0xFFFF_F000L));
            long len = Math.abs(run);
            if (len == 0) {
                break;
            }
            int f = run < 0 ? Wire.STATE_HOLE | Wire.STATE_ZERO : 0;
            if (f == lastFlags && Integer.toUnsignedLong(c.getInt(c.position() - 8)) + len <= 0xFFFF_F000L) {
                // Merge with the previous descriptor of the same state.
                c.putInt(c.position() - 8, (int) (Integer.toUnsignedLong(c.getInt(c.position() - 8)) + len));
            } else {
                c.putInt((int) len).putInt(f);
                n++;
                lastFlags = f;
            }
            off += len;
        }
        c.flip();
        return 0;
    }

    private void prepareReply(InflightRequest r, boolean structured) {
        ByteBuffer h = r.header;
        h.clear();
        r.iov[0] = h;
        r.iovCount = 1;
        boolean chunked = structured && (r.type == Wire.CMD_READ || r.type == Wire.CMD_BLOCK_STATUS);
        if (!chunked) {
            h.putInt(Wire.SIMPLE_REPLY_MAGIC).putInt(r.error).putLong(r.cookie);
            if (r.error == 0 && r.type == Wire.CMD_READ) {
                addChunks(r);
            }
        } else if (r.error != 0) {
            h.putInt(Wire.STRUCTURED_REPLY_MAGIC).putShort((short) Wire.REPLY_FLAG_DONE)
                    .putShort((short) Wire.REPLY_TYPE_ERROR).putLong(r.cookie).putInt(6)
                    .putInt(r.error).putShort((short) 0);
        } else if (r.type == Wire.CMD_READ) {
            if (r.length == 0) {
                h.putInt(Wire.STRUCTURED_REPLY_MAGIC).putShort((short) Wire.REPLY_FLAG_DONE)
                        .putShort((short) Wire.REPLY_TYPE_NONE).putLong(r.cookie).putInt(0);
            } else {
                h.putInt(Wire.STRUCTURED_REPLY_MAGIC).putShort((short) Wire.REPLY_FLAG_DONE)
                        .putShort((short) Wire.REPLY_TYPE_OFFSET_DATA).putLong(r.cookie).putInt(8 + r.length)
                        .putLong(r.offset);
                addChunks(r);
            }
        } else {
            ByteBuffer c = limit.chunk(r.chunkIds[0]);
            h.putInt(Wire.STRUCTURED_REPLY_MAGIC).putShort((short) Wire.REPLY_FLAG_DONE)
                    .putShort((short) Wire.REPLY_TYPE_BLOCK_STATUS).putLong(r.cookie).putInt(c.remaining());
            r.iov[1] = c;
            r.iovCount = 2;
        }
        h.flip();
    }

    private void addChunks(InflightRequest r) {
        for (int i = 0; i < r.chunkCount; i++) {
            r.iov[r.iovCount++] = limit.chunk(r.chunkIds[i]);
        }
    }

    /** Sends the reply (unless the client is gone), counts it, frees what it held. Any thread. */
    void completeRequest(InflightRequest r) {
        if (!peerGone) {
            synchronized (writeLock) {
                try {
                    long total = 0;
                    for (int i = 0; i < r.iovCount; i++) {
                        total += r.iov[i].remaining();
                    }
                    while (total > 0) {
                        total -= ch.write(r.iov, 0, r.iovCount);
                    }
                } catch (IOException e) {
                    peerGone = true;
                }
            }
        }
        long doneNs = System.nanoTime();
        long micros = (doneNs - r.arrivalNs) / 1000;
        stats.latency.record(micros);
        stats.recordAge((doneNs - r.receivedNs) / 1000);
        stats.requestsCompleted.incrementAndGet();
        if (r.error != 0) {
            stats.errors.incrementAndGet();
        } else if (r.type == Wire.CMD_WRITE) {
            stats.writesCompleted.incrementAndGet();
            stats.bytesWritten.addAndGet(r.length);
        } else if (r.type == Wire.CMD_READ) {
            stats.readsCompleted.incrementAndGet();
            stats.bytesRead.addAndGet(r.length);
        }
        limit.release(r.dataBytes, r.chunkCount, r.chunkIds);
        for (int i = 0; i < r.iovCount; i++) {
            r.iov[i] = null;
        }
        returnRequest(r);
    }

    private void readPayload(InflightRequest r) throws IOException {
        int left = r.length;
        for (int i = 0; i < r.chunkCount; i++) {
            ByteBuffer c = limit.chunk(r.chunkIds[i]);
            c.clear().limit(Math.min(left, InflightLimit.CHUNK_BYTES));
            left -= c.limit();
            r.iov[i] = c;
        }
        // One scattering read per socket wake-up, straight into the pool.
        long want = r.length;
        int first = 0;
        while (want > 0) {
            long n = ch.read(r.iov, first, r.chunkCount - first);
            if (n < 0) {
                throw new EOFException("connection closed in the middle of a WRITE payload");
            }
            want -= n;
            while (first < r.chunkCount && !r.iov[first].hasRemaining()) {
                first++;
            }
        }
        for (int i = 0; i < r.chunkCount; i++) {
            r.iov[i] = null;
        }
    }

    /** Reads the buffer full. False on EOF before its first byte when {@code eofOk}. */
    private boolean readFully(ByteBuffer b, boolean eofOk) throws IOException {
        boolean first = true;
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                if (first && eofOk) {
                    return false;
                }
                throw new EOFException("connection closed in the middle of a request header (truncated frame)");
            }
            first = false;
        }
        return true;
    }

    private synchronized InflightRequest takeRequest() {
        InflightRequest r = freeList;
        if (r != null) {
            freeList = r.nextFree;
            r.nextFree = null;
        } else {
            r = new InflightRequest(this); // warm-up only: bounded by the request limit
        }
        inflightHere++;
        return r;
    }

    private synchronized void returnRequest(InflightRequest r) {
        r.nextFree = freeList;
        freeList = r;
        inflightHere--;
        if (inflightHere == 0) {
            notifyAll();
        }
    }

    private synchronized void awaitInflight() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        if (emulator != null && inflightHere > 0 && closing) {
            emulator.drainNow();
        }
        while (inflightHere > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                LOG.warn("{}: {} requests still in flight after 60 s; closing anyway", peer, inflightHere);
                return;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
