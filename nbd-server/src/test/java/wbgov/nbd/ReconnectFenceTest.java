package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.Backend;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.testing.RawNbdClient;

/**
 * A client whose connection dies while the server is still writing its request (its timeout
 * fired; the backend is slow) reconnects and reads the block: it must read what it wrote, not
 * what was there before. The backend here holds the write until the test lets it go, with the
 * first client already gone and the second connected: the second one's READ is answered only
 * after the write is in the backend ({@code WriteFence}), and says so in {@code fence_waits}.
 */
class ReconnectFenceTest {
    /** A memory backend whose writes wait for {@link #release} once {@link #hold} was called. */
    static final class HeldBackend implements Backend {
        final Backend inner;
        volatile CountDownLatch held;
        final CountDownLatch writing = new CountDownLatch(1);

        HeldBackend(Backend inner) {
            this.inner = inner;
        }

        void hold() {
            held = new CountDownLatch(1);
        }

        void release() {
            held.countDown();
        }

        @Override
        public int write(ByteBuffer buf, long offset) {
            CountDownLatch h = held;
            if (h != null) {
                writing.countDown();
                try {
                    h.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.write(buf, offset);
        }

        @Override public long size() { return inner.size(); }
        @Override public boolean canTrim() { return inner.canTrim(); }
        @Override public boolean canFastZero() { return inner.canFastZero(); }
        @Override public int minimumBlockBytes() { return inner.minimumBlockBytes(); }
        @Override public int read(ByteBuffer buf, long offset) { return inner.read(buf, offset); }
        @Override public int flush() { return inner.flush(); }
        @Override public int trim(long offset, long length) { return inner.trim(offset, length); }
        @Override public int zero(long o, long l, boolean p, boolean f) { return inner.zero(o, l, p, f); }
        @Override public long extent(long offset, long maxLength) { return inner.extent(offset, maxLength); }
        @Override public String describe() { return "held " + inner.describe(); }
        @Override public void close() throws java.io.IOException { inner.close(); }
    }

    @Test
    void aReconnectReadsTheWriteOfTheDeadConnection() throws Exception {
        HeldBackend backend = new HeldBackend(FileBackend.memory(1 << 20));
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 0x5a);
        try (Export export = Export.builder(backend).name("d").maxRequestBytes(1 << 16).inflightBytes(1 << 20).build();
                NbdServer server = NbdServer.tcp("127.0.0.1", 0, List.of(export), new IoFlusher(false))) {
            backend.hold();
            try (RawNbdClient first = RawNbdClient.connect(server.port())) {
                first.handshake("d", false, false);
                first.sendWrite(0, 1, 0, data);
                assertTrue(backend.writing.await(10, TimeUnit.SECONDS), "the write reached the backend");
            } // dies with its write in the backend, unanswered
            try (RawNbdClient second = RawNbdClient.connect(server.port())) {
                second.handshake("d", false, false);
                CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                    try {
                        return second.read(0, 4096);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                try {
                    read.get(300, TimeUnit.MILLISECONDS);
                    throw new AssertionError("the reconnect was served while the dead connection's write was in progress");
                } catch (TimeoutException expected) {
                    // fenced
                }
                backend.release();
                assertArrayEquals(data, read.get(10, TimeUnit.SECONDS), "the reconnect read what the dead connection wrote");
            }
            assertEquals(1, export.stats().fenceWaits.get());
            assertEquals(0, export.writeFence().inProgress());
        }
    }
}
