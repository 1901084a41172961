package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import wbgov.nbd.backend.FileBackend;
import wbgov.nbd.protocol.Wire;
import wbgov.nbd.testing.RawNbdClient;
import wbgov.nbd.testing.RawNbdClient.Chunk;
import wbgov.nbd.testing.RawNbdClient.OptionReply;
import wbgov.nbd.testing.RawNbdClient.SimpleReply;

/**
 * The protocol on the wire, byte by byte, through {@link RawNbdClient}: handshake options and
 * their error replies, transmission errors, hostile and broken frames, pipelining, structured
 * replies and base:allocation. One in-process server on a free port per test, two exports: a
 * writable "disk" and a read-only "ro".
 */
class NbdProtocolTest {
    private static final long DISK_BYTES = 16L << 20;
    private static final int MAX_REQUEST = 1 << 20;

    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        Export disk = Export.builder(FileBackend.memory(DISK_BYTES)).name("disk").description("test disk")
                .maxRequestBytes(MAX_REQUEST).inflightBytes(4L << 20).build();
        Export ro = Export.builder(FileBackend.memory(1L << 20)).name("ro").readOnly(true)
                .maxRequestBytes(64 * 1024).inflightBytes(1L << 20).build();
        server = NbdServer.tcp("127.0.0.1", 0, List.of(disk, ro), new IoFlusher(false));
        port = server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawNbdClient open(String export, boolean structured, boolean meta) throws IOException {
        RawNbdClient c = RawNbdClient.connect(port);
        c.handshake(export, structured, meta);
        return c;
    }

    private static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    // ---- handshake ------------------------------------------------------------------------

    @Test
    void greetingIsFixedNewstyleWithNoZeroes() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            byte[] g = c.readGreeting();
            byte[] expected = new byte[18];
            System.arraycopy("NBDMAGICIHAVEOPT".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 16);
            expected[17] = 3; // FIXED_NEWSTYLE | NO_ZEROES
            assertArrayEquals(expected, g);
        }
    }

    @Test
    void exportNameWithNoZeroesSendsTenBytesWithoutItOneHundredThirtyFour() throws IOException {
        for (boolean noZeroes : new boolean[] {true, false}) {
            try (RawNbdClient c = RawNbdClient.connect(port)) {
                c.readGreeting();
                c.sendClientFlags(Wire.CLIENT_FIXED_NEWSTYLE | (noZeroes ? Wire.CLIENT_NO_ZEROES : 0));
                c.sendOption(Wire.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.wrap(c.readBytes(10));
                assertEquals(DISK_BYTES, b.getLong());
                int flags = Short.toUnsignedInt(b.getShort());
                assertTrue((flags & Wire.TFLAG_HAS_FLAGS) != 0);
                if (!noZeroes) {
                    assertArrayEquals(new byte[124], c.readBytes(124), "124 reserved zero bytes");
                }
                // The very next bytes are a reply: nothing else was sent after the export info.
                assertEquals(0, c.command(0, Wire.CMD_FLUSH, 0, 0));
            }
        }
    }

    @Test
    void exportNameAfterStructuredReplyKeepsStructuredReplies() throws IOException {
        // The spec: once STRUCTURED_REPLY is acknowledged "the server MUST use structured
        // replies to the NBD_CMD_READ transmission request", however transmission is entered.
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.startHandshake();
            c.sendOption(Wire.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Wire.REP_ACK, c.readOptionReply().type());
            c.sendOption(Wire.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.wrap(c.readBytes(10));
            assertEquals(DISK_BYTES, b.getLong());
            assertTrue((b.getShort() & Wire.TFLAG_SEND_DF) != 0, "DF advertised with structured replies");
            c.sendRequest(0, Wire.CMD_READ, 7, 0, 512);
            Chunk ch = c.readChunk();
            assertEquals(Wire.REPLY_TYPE_OFFSET_DATA, ch.type());
            assertEquals(8 + 512, ch.payload().length);
        }
    }

    @Test
    void exportNameForAnUnknownExportClosesTheConnection() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.startHandshake();
            c.sendOption(Wire.OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void listNamesEveryExportThenAcks() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.startHandshake();
            c.sendOption(Wire.OPT_LIST, new byte[0]);
            List<OptionReply> rs = c.readOptionReplies();
            assertEquals(3, rs.size(), "two REP_SERVER then ACK");
            Set<String> names = new HashSet<>();
            for (OptionReply r : rs.subList(0, 2)) {
                assertEquals(Wire.REP_SERVER, r.type());
                assertEquals(Wire.OPT_LIST, r.option());
                ByteBuffer b = r.buffer();
                byte[] n = new byte[b.getInt()];
                b.get(n);
                names.add(new String(n, StandardCharsets.UTF_8));
            }
            assertEquals(Set.of("disk", "ro"), names);
            assertEquals(Wire.REP_ACK, rs.get(2).type());

            c.sendOption(Wire.OPT_LIST, new byte[] {1});
            assertEquals(Wire.REP_ERR_INVALID, c.readOptionReply().type(), "LIST with data");
        }
    }

    @Test
    void infoAnswersExportBlockSizeNameAndDescriptionAndStaysInNegotiation() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.startHandshake();
            c.sendOption(Wire.OPT_INFO, RawNbdClient.infoData("disk", Wire.INFO_NAME, Wire.INFO_DESCRIPTION,
                    Wire.INFO_BLOCK_SIZE));
            Map<Integer, ByteBuffer> infos = new HashMap<>();
            List<OptionReply> rs = c.readOptionReplies();
            for (OptionReply r : rs.subList(0, rs.size() - 1)) {
                assertEquals(Wire.REP_INFO, r.type());
                assertEquals(Wire.OPT_INFO, r.option());
                ByteBuffer b = r.buffer();
                infos.put((int) b.getShort(), b);
            }
            assertEquals(Wire.REP_ACK, rs.get(rs.size() - 1).type());
            ByteBuffer e = infos.get(Wire.INFO_EXPORT);
            assertEquals(DISK_BYTES, e.getLong());
            int flags = Short.toUnsignedInt(e.getShort());
            assertEquals(0, flags & Wire.TFLAG_READ_ONLY);
            assertTrue((flags & Wire.TFLAG_SEND_FLUSH) != 0 && (flags & Wire.TFLAG_SEND_FUA) != 0
                    && (flags & Wire.TFLAG_SEND_TRIM) != 0 && (flags & Wire.TFLAG_CAN_MULTI_CONN) != 0);
            assertEquals("disk", rest(infos.get(Wire.INFO_NAME)));
            assertEquals("test disk", rest(infos.get(Wire.INFO_DESCRIPTION)));
            ByteBuffer bs = infos.get(Wire.INFO_BLOCK_SIZE);
            assertEquals(1, bs.getInt(), "minimum block size");
            assertEquals(4096, bs.getInt(), "preferred block size");
            assertEquals(MAX_REQUEST, bs.getInt(), "maximum block size");

            // Still negotiating: the read-only export says so, then ABORT is acknowledged.
            c.sendOption(Wire.OPT_INFO, RawNbdClient.infoData("ro"));
            ByteBuffer ro = c.readOptionReply().buffer();
            assertEquals(Wire.INFO_EXPORT, ro.getShort());
            ro.getLong();
            assertTrue((ro.getShort() & Wire.TFLAG_READ_ONLY) != 0, "ro export advertises READ_ONLY");
            c.readOptionReplies();
            c.sendOption(Wire.OPT_ABORT, new byte[0]);
            assertEquals(Wire.REP_ACK, c.readOptionReply().type());
            assertTrue(c.closedByServer(), "server closes after ABORT");
        }
    }

    private static String rest(ByteBuffer b) {
        byte[] s = new byte[b.remaining()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    @Test
    void optionErrorsAreRepliesAndNegotiationGoesOn() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.startHandshake();
            c.sendOption(Wire.OPT_GO, RawNbdClient.infoData("no-such-export"));
            assertEquals(Wire.REP_ERR_UNKNOWN, c.readOptionReply().type(), "GO to an unknown export");
            c.sendOption(Wire.OPT_STARTTLS, new byte[0]);
            assertEquals(Wire.REP_ERR_UNSUP, c.readOptionReply().type(), "STARTTLS");
            c.sendOption(0x1234, new byte[300]);
            OptionReply unknown = c.readOptionReply();
            assertEquals(Wire.REP_ERR_UNSUP, unknown.type(), "unknown option");
            assertEquals(0x1234, unknown.option());
            c.sendOption(Wire.OPT_SET_META_CONTEXT, RawNbdClient.metaContextData("disk", Wire.META_BASE_ALLOCATION));
            assertEquals(Wire.REP_ERR_INVALID, c.readOptionReply().type(), "SET_META_CONTEXT before STRUCTURED_REPLY");
            c.sendOption(Wire.OPT_GO, new byte[] {0, 0});
            assertEquals(Wire.REP_ERR_INVALID, c.readOptionReply().type(), "GO with truncated data");
            // After all that, the default export ("" = the first) is still reachable.
            c.sendOption(Wire.OPT_GO, RawNbdClient.infoData(""));
            List<OptionReply> rs = c.readOptionReplies();
            assertEquals(Wire.REP_ACK, rs.get(rs.size() - 1).type());
            assertEquals(0, c.command(0, Wire.CMD_FLUSH, 0, 0));
        }
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.readGreeting();
            c.sendClientFlags(Wire.CLIENT_FIXED_NEWSTYLE | 0x100);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void listMetaContextOffersBaseAllocation() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(port)) {
            c.startHandshake();
            c.sendOption(Wire.OPT_LIST_META_CONTEXT, RawNbdClient.metaContextData("disk"));
            List<OptionReply> rs = c.readOptionReplies();
            assertEquals(2, rs.size());
            ByteBuffer b = rs.get(0).buffer();
            assertEquals(Wire.REP_META_CONTEXT, rs.get(0).type());
            b.getInt();
            assertEquals(Wire.META_BASE_ALLOCATION, rest(b));
        }
    }

    // ---- transmission errors --------------------------------------------------------------

    @Test
    void outOfRangeRequestsGetEinvalAndTheConnectionStaysUsable() throws IOException {
        try (RawNbdClient c = open("disk", false, false)) {
            byte[] data = pattern(4096, 1);
            assertEquals(0, c.write(DISK_BYTES - 4096, data));
            assertNull(c.read(DISK_BYTES - 4096, 8192), "READ past the end fails");
            assertEquals(Wire.EINVAL, c.write(DISK_BYTES, pattern(512, 2)), "WRITE past the end");
            assertEquals(Wire.EINVAL, c.write(-4096L, pattern(512, 2)), "WRITE at offset 2^64 - 4096");
            assertEquals(Wire.EINVAL, c.command(0, Wire.CMD_TRIM, DISK_BYTES - 4096, 8192), "TRIM past the end");
            assertEquals(Wire.EINVAL, c.command(0, Wire.CMD_WRITE_ZEROES, DISK_BYTES + 1, 1));
            assertEquals(Wire.EINVAL, c.command(0, Wire.CMD_FLUSH, 0, 4096), "FLUSH with a length");
            // The refused WRITE's payload was consumed: the stream is still in step.
            assertArrayEquals(data, c.read(DISK_BYTES - 4096, 4096));
        }
    }

    @Test
    void readOnlyExportRefusesWritesWithEperm() throws IOException {
        try (RawNbdClient c = open("ro", false, false)) {
            assertEquals(Wire.EPERM, c.write(0, pattern(4096, 3)));
            assertEquals(Wire.EPERM, c.command(0, Wire.CMD_TRIM, 0, 4096));
            assertEquals(Wire.EPERM, c.command(0, Wire.CMD_WRITE_ZEROES, 0, 4096));
            assertArrayEquals(new byte[4096], c.read(0, 4096), "nothing was written");
            assertEquals(0, c.command(0, Wire.CMD_FLUSH, 0, 0));
        }
    }

    @Test
    void unknownCommandsAndBadFlagsGetEinval() throws IOException {
        try (RawNbdClient c = open("disk", false, false)) {
            assertEquals(Wire.EINVAL, c.command(0, 42, 0, 4096), "unknown command");
            assertEquals(Wire.EINVAL, c.command(1 << 15, Wire.CMD_READ, 0, 0), "unknown flag on READ");
            assertEquals(Wire.EINVAL, c.command(Wire.CMD_FLAG_REQ_ONE, Wire.CMD_TRIM, 0, 4096), "REQ_ONE on TRIM");
            assertEquals(Wire.EINVAL, c.command(Wire.CMD_FLAG_NO_HOLE, Wire.CMD_FLUSH, 0, 0), "NO_HOLE on FLUSH");
            assertEquals(Wire.EINVAL, c.command(0, Wire.CMD_BLOCK_STATUS, 0, 4096), "BLOCK_STATUS without structured replies");
            // The spec: FUA "is valid for all commands ... the server MUST accept all commands with this bit set".
            assertEquals(0, c.command(Wire.CMD_FLAG_FUA, Wire.CMD_FLUSH, 0, 0), "FUA on FLUSH");
            long cookie = 77;
            c.sendRequest(Wire.CMD_FLAG_FUA, Wire.CMD_READ, cookie, 0, 512);
            SimpleReply r = c.readSimpleReply();
            assertEquals(0, r.error(), "FUA on READ");
            c.readBytes(512);
            assertEquals(0, c.command(Wire.CMD_FLAG_FUA, Wire.CMD_CACHE, 0, 4096), "FUA on CACHE");
        }
    }

    @Test
    void blockStatusWithoutAMetaContextGetsEinval() throws IOException {
        try (RawNbdClient c = open("disk", true, false)) {
            c.sendRequest(0, Wire.CMD_BLOCK_STATUS, 5, 0, 4096);
            Chunk ch = c.readChunk();
            assertEquals(5, ch.cookie());
            assertEquals(Wire.REPLY_TYPE_ERROR, ch.type());
            assertEquals(Wire.EINVAL, ch.buffer().getInt());
        }
    }

    // ---- broken and hostile frames --------------------------------------------------------

    /** Writes a known pattern, runs {@code attack} on a second connection, then checks both. */
    private void assertAttackClosesOnlyItsConnection(String what, Attack attack) throws IOException {
        byte[] before = pattern(64 * 1024, what.hashCode());
        try (RawNbdClient good = open("disk", false, false)) {
            assertEquals(0, good.write(1 << 20, before));
            try (RawNbdClient bad = RawNbdClient.connect(port)) {
                attack.run(bad);
                assertTrue(bad.closedByServer(), what + ": server closes that connection");
            }
            // A connection opened before the attack and a new one both still work, data intact.
            assertArrayEquals(before, good.read(1 << 20, before.length), what + ": data intact (old connection)");
            try (RawNbdClient fresh = open("disk", false, false)) {
                assertArrayEquals(before, fresh.read(1 << 20, before.length), what + ": data intact (new connection)");
                assertEquals(0, fresh.write(2 << 20, before));
            }
        }
    }

    private interface Attack {
        void run(RawNbdClient c) throws IOException;
    }

    @Test
    void truncatedRequestHeaderClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("header cut mid-way", c -> {
            c.handshake("disk", false, false);
            ByteBuffer h = ByteBuffer.allocate(13);
            h.putInt(Wire.REQUEST_MAGIC).putShort((short) 0).putShort((short) Wire.CMD_WRITE).put(new byte[5]);
            c.sendRaw(h.array());
            c.shutdownOutput();
        });
    }

    @Test
    void truncatedWritePayloadClosesOnlyThatConnectionAndWritesNothing() throws IOException {
        assertAttackClosesOnlyItsConnection("WRITE payload cut", c -> {
            c.handshake("disk", false, false);
            // Header for 64 KiB over the pattern, but only 1000 bytes of zeros follow.
            c.sendRequest(0, Wire.CMD_WRITE, 9, 1 << 20, 64 * 1024);
            c.sendRaw(new byte[1000]);
            c.shutdownOutput();
        });
    }

    @Test
    void cutWritesDoNotLeakTheInflightLimit() throws IOException {
        // The pool is 4 MiB: five cut 1 MiB writes would hold more than all of it if a cut
        // request kept its slot, and every later write would wait forever.
        for (int i = 0; i < 6; i++) {
            try (RawNbdClient bad = open("disk", false, false)) {
                bad.sendRequest(0, Wire.CMD_WRITE, i, 0, MAX_REQUEST);
                bad.sendRaw(new byte[4096]);
                bad.shutdownOutput();
                assertTrue(bad.closedByServer(), "cut write " + i + " closes its connection");
            }
        }
        assertEquals(0, server.all().get(0).inflightLimit().requests(), "nothing left in flight");
        try (RawNbdClient c = open("disk", false, false)) {
            assertEquals(0, c.write(0, pattern(MAX_REQUEST, 8)));
            assertArrayEquals(pattern(MAX_REQUEST, 8), c.read(0, MAX_REQUEST));
        }
    }

    @Test
    void writeLongerThanTheAdvertisedMaximumClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("oversized WRITE", c -> {
            c.handshake("disk", false, false);
            c.sendRequest(0, Wire.CMD_WRITE, 9, 1 << 20, MAX_REQUEST + 4096);
            c.sendRaw(new byte[64 * 1024]);
        });
    }

    @Test
    void hugeWriteLengthClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("4 GiB WRITE", c -> {
            c.handshake("disk", false, false);
            c.sendRequest(0, Wire.CMD_WRITE, 9, 0, 0xFFFF_FFFFL);
        });
    }

    @Test
    void optionLongerThan64KiBClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("option > 64 KiB", c -> {
            c.startHandshake();
            c.sendOptionHeader(Wire.IHAVEOPT, Wire.OPT_GO, Wire.MAX_OPTION_LENGTH + 1);
        });
    }

    @Test
    void badOptionMagicClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("bad option magic", c -> {
            c.startHandshake();
            c.sendOptionHeader(0x1122334455667788L, Wire.OPT_LIST, 0);
        });
    }

    @Test
    void badRequestMagicClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("bad request magic", c -> {
            c.handshake("disk", false, false);
            c.sendRequestHeader(0xdeadbeef, 0, Wire.CMD_WRITE, 1, 1 << 20, 4096);
            c.sendRaw(new byte[4096]);
        });
    }

    @Test
    void truncatedHandshakeClosesOnlyThatConnection() throws IOException {
        assertAttackClosesOnlyItsConnection("option data cut", c -> {
            c.startHandshake();
            c.sendOptionHeader(Wire.IHAVEOPT, Wire.OPT_GO, 100);
            c.sendRaw(new byte[10]);
            c.shutdownOutput();
        });
    }

    // ---- pipelining and structured replies ------------------------------------------------

    @Test
    void sixtyFourPipelinedRequestsAreAllAnsweredWithTheirCookies() throws IOException {
        try (RawNbdClient c = open("disk", false, false)) {
            int n = 32;
            int len = 4096;
            Map<Long, Integer> readOf = new HashMap<>(); // cookie → block, for READs
            Set<Long> writes = new HashSet<>();
            for (int i = 0; i < n; i++) {
                long cookie = 0x1000_0000_0000L + i * 7919L;
                writes.add(cookie);
                c.sendWrite(0, cookie, (long) i * len, pattern(len, i));
            }
            for (int i = 0; i < n; i++) {
                long cookie = 0x7000_0000_0000_0000L + i;
                readOf.put(cookie, i);
                c.sendRequest(0, Wire.CMD_READ, cookie, (long) i * len, len);
            }
            // Only now read: 64 replies, each cookie exactly once.
            Set<Long> seen = new HashSet<>();
            for (int k = 0; k < 2 * n; k++) {
                SimpleReply r = c.readSimpleReply();
                assertEquals(0, r.error());
                assertTrue(seen.add(r.cookie()), "cookie answered twice: " + r.cookie());
                Integer block = readOf.get(r.cookie());
                if (block != null) {
                    assertArrayEquals(pattern(len, block), c.readBytes(len), "READ of block " + block);
                } else {
                    assertTrue(writes.contains(r.cookie()), "unknown cookie " + r.cookie());
                }
            }
            assertEquals(2 * n, seen.size());
        }
    }

    @Test
    void structuredReadIsOneOffsetDataChunkWithDone() throws IOException {
        try (RawNbdClient c = open("disk", true, false)) {
            byte[] data = pattern(8192, 4);
            assertEquals(0, c.write(4096, data));
            c.sendRequest(Wire.CMD_FLAG_DF, Wire.CMD_READ, 42, 4096, 8192);
            Chunk ch = c.readChunk();
            assertEquals(42, ch.cookie());
            assertEquals(Wire.REPLY_TYPE_OFFSET_DATA, ch.type());
            assertEquals(Wire.REPLY_FLAG_DONE, ch.flags());
            ByteBuffer b = ch.buffer();
            assertEquals(4096, b.getLong(), "chunk offset");
            byte[] got = new byte[b.remaining()];
            b.get(got);
            assertArrayEquals(data, got);

            // An error on a structured READ is an error chunk, not a simple reply.
            c.sendRequest(0, Wire.CMD_READ, 43, DISK_BYTES, 512);
            Chunk err = c.readChunk();
            assertEquals(43, err.cookie());
            assertEquals(Wire.REPLY_TYPE_ERROR, err.type());
            assertEquals(Wire.REPLY_FLAG_DONE, err.flags() & Wire.REPLY_FLAG_DONE);
            assertEquals(Wire.EINVAL, err.buffer().getInt());
        }
    }

    @Test
    void blockStatusTellsDataFromHolesAfterWriteAndTrim() throws IOException {
        try (RawNbdClient c = open("disk", true, true)) {
            int mib = 1 << 20;
            assertEquals(0, c.write(mib, pattern(128 * 1024, 5)));
            assertEquals(0, c.command(0, Wire.CMD_TRIM, mib + 64 * 1024, 64 * 1024));
            c.sendRequest(0, Wire.CMD_BLOCK_STATUS, 99, 0, 4L * mib);
            Chunk ch = c.readChunk();
            assertEquals(99, ch.cookie());
            assertEquals(Wire.REPLY_TYPE_BLOCK_STATUS, ch.type());
            assertEquals(Wire.REPLY_FLAG_DONE, ch.flags() & Wire.REPLY_FLAG_DONE);
            ByteBuffer b = ch.buffer();
            assertEquals(Wire.META_ID_BASE_ALLOCATION, b.getInt());
            long[][] expected = {
                {mib, Wire.STATE_HOLE | Wire.STATE_ZERO},
                {64 * 1024, 0},
                {3L * mib - 64 * 1024, Wire.STATE_HOLE | Wire.STATE_ZERO},
            };
            long[][] got = new long[b.remaining() / 8][];
            for (int i = 0; i < got.length; i++) {
                got[i] = new long[] {Integer.toUnsignedLong(b.getInt()), b.getInt()};
            }
            assertEquals(Arrays.deepToString(expected), Arrays.deepToString(got), "extents (length, flags)");

            // REQ_ONE: exactly one descriptor.
            c.sendRequest(Wire.CMD_FLAG_REQ_ONE, Wire.CMD_BLOCK_STATUS, 100, 0, 4L * mib);
            ByteBuffer one = c.readChunk().buffer();
            assertEquals(12, one.remaining());
            // Past the end: EINVAL as an error chunk.
            c.sendRequest(0, Wire.CMD_BLOCK_STATUS, 101, DISK_BYTES - 4096, 8192);
            Chunk err = c.readChunk();
            assertEquals(Wire.REPLY_TYPE_ERROR, err.type());
            assertEquals(Wire.EINVAL, err.buffer().getInt());
            // The trimmed half reads back as zeros.
            c.sendRequest(0, Wire.CMD_READ, 102, mib + 64 * 1024, 4096);
            ByteBuffer z = c.readChunk().buffer();
            z.getLong();
            byte[] zeros = new byte[z.remaining()];
            z.get(zeros);
            assertArrayEquals(new byte[4096], zeros);
        }
    }

    @Test
    void discAnswersWhatIsInFlightThenCloses() throws IOException {
        try (RawNbdClient c = open("disk", false, false)) {
            c.sendWrite(Wire.CMD_FLAG_FUA, 1, 0, pattern(4096, 6));
            c.disconnect();
            SimpleReply r = c.readSimpleReply();
            assertEquals(1, r.cookie());
            assertEquals(0, r.error());
            assertTrue(c.closedByServer());
        }
        try (RawNbdClient c = open("disk", false, false)) {
            assertArrayEquals(pattern(4096, 6), c.read(0, 4096));
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.connectionCount() > 0 && deadline - System.nanoTime() > 0) {
            LockSupport.parkNanos(1_000_000); // poll: the connection thread ends on its own
        }
        assertEquals(0, server.connectionCount(), "closed connections are let go");
    }
}
