package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.protocol.Wire;
import wbgov.nbd.testing.TestServer;

/**
 * A client that dies in the middle of a WRITE payload gives its in-flight slot back: with a
 * limit of one request, ten such clients in a row must leave nothing in flight (before the fix
 * each one leaked a slot, and the first wedged the export for good). Both payload paths: the
 * file backend and the (mapped) memory backend.
 */
class TruncatedWriteTest {
    private static void truncatedWrite(TestServer s) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(s.socket));
            ByteBuffer in = ByteBuffer.allocate(18);
            while (in.hasRemaining() && c.read(in) >= 0) {
                // NBDMAGIC, IHAVEOPT, handshake flags
            }
            ByteBuffer out = ByteBuffer.allocate(4 + 16);
            out.putInt(Wire.CLIENT_NO_ZEROES | 1).putLong(Wire.IHAVEOPT).putInt(Wire.OPT_EXPORT_NAME).putInt(0).flip();
            while (out.hasRemaining()) {
                c.write(out);
            }
            ByteBuffer info = ByteBuffer.allocate(10);
            while (info.hasRemaining() && c.read(info) >= 0) {
                // export size, transmission flags
            }
            ByteBuffer req = ByteBuffer.allocate(28 + 1000);
            req.putInt(Wire.REQUEST_MAGIC).putShort((short) 0).putShort((short) Wire.CMD_WRITE).putLong(7)
                    .putLong(0).putInt(1 << 20).put(new byte[1000]).flip();
            while (req.hasRemaining()) {
                c.write(req);
            }
        } // closed with 1 MiB announced and 1000 bytes sent
    }

    private static void check(Export export) throws Exception {
        try (TestServer s = new TestServer(export)) {
            for (int i = 0; i < 10; i++) {
                truncatedWrite(s);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((export.inflightLimit().requests() != 0 || s.server.connectionCount() != 0)
                    && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            assertEquals(0, export.inflightLimit().requests(), "requests left in flight");
            assertEquals(0, export.inflightLimit().bytes(), "bytes left in flight");
            assertEquals(0, s.server.connectionCount(), "connections left open");
        }
    }

    @Test
    void poolPath() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("wbgov-trunc", ".img");
        try {
            check(Export.builder(FileBackend.file(f, 16L << 20, false, false)).maxRequestBytes(1 << 20)
                    .inflightRequests(1).inflightBytes(1 << 20).build());
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void inPlacePath() throws Exception {
        check(Export.builder(FileBackend.memory(16L << 20)).maxRequestBytes(1 << 20)
                .inflightRequests(1).inflightBytes(1 << 20).build());
    }
}
