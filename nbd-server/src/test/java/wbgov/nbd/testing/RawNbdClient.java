package wbgov.nbd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import wbgov.nbd.protocol.Wire;

/**
 * A deliberately dumb NBD client for protocol tests: every field is written and read by hand,
 * big-endian, so a test can send exactly the bytes it wants (including broken ones) and see
 * exactly what the server answers. Nothing is hidden: no retries, no validation beyond what a
 * test asks for. Every read has a timeout, so a server that hangs fails the test instead of
 * hanging it.
 */
public final class RawNbdClient implements AutoCloseable {
    private static final int TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private RawNbdClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    public static RawNbdClient connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
        return new RawNbdClient(s);
    }

    // ---- handshake ------------------------------------------------------------------------

    /** The 18 greeting bytes, raw. */
    public byte[] readGreeting() throws IOException {
        return readBytes(18);
    }

    public void sendClientFlags(int flags) throws IOException {
        out.writeInt(flags);
        out.flush();
    }

    /** Greeting (checked) and client flags FIXED_NEWSTYLE | NO_ZEROES. */
    public void startHandshake() throws IOException {
        byte[] g = readGreeting();
        assertEquals(Wire.NBDMAGIC, java.nio.ByteBuffer.wrap(g, 0, 8).getLong(), "NBDMAGIC");
        assertEquals(Wire.IHAVEOPT, java.nio.ByteBuffer.wrap(g, 8, 8).getLong(), "IHAVEOPT");
        sendClientFlags(Wire.CLIENT_FIXED_NEWSTYLE | Wire.CLIENT_NO_ZEROES);
    }

    public void sendOption(int option, byte[] data) throws IOException {
        sendOptionHeader(Wire.IHAVEOPT, option, data.length);
        out.write(data);
        out.flush();
    }

    /** Only the 16-byte option header: magic, option, length (the data may follow, or not). */
    public void sendOptionHeader(long magic, int option, long length) throws IOException {
        out.writeLong(magic);
        out.writeInt(option);
        out.writeInt((int) length);
        out.flush();
    }

    /** One option reply. */
    public record OptionReply(int option, int type, byte[] data) {
        public boolean isError() {
            return (type & 0x80000000) != 0;
        }

        public java.nio.ByteBuffer buffer() {
            return java.nio.ByteBuffer.wrap(data);
        }
    }

    public OptionReply readOptionReply() throws IOException {
        long magic = in.readLong();
        assertEquals(Wire.OPTION_REPLY_MAGIC, magic, "option reply magic");
        int option = in.readInt();
        int type = in.readInt();
        int len = in.readInt();
        if (len < 0 || len > 1 << 20) {
            fail("absurd option reply length " + Integer.toUnsignedString(len));
        }
        return new OptionReply(option, type, readBytes(len));
    }

    /** Replies up to and including the final one (ACK or an error). */
    public List<OptionReply> readOptionReplies() throws IOException {
        List<OptionReply> all = new ArrayList<>();
        while (true) {
            OptionReply r = readOptionReply();
            all.add(r);
            if (r.type() == Wire.REP_ACK || r.isError()) {
                return all;
            }
        }
    }

    /** Data of INFO / GO: name, then the information requests. */
    public static byte[] infoData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    /** Data of LIST_/SET_META_CONTEXT: export name, then the queries. */
    public static byte[] metaContextData(String name, String... queries) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        try {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            d.writeInt(n.length);
            d.write(n);
            d.writeInt(queries.length);
            for (String q : queries) {
                byte[] qb = q.getBytes(StandardCharsets.UTF_8);
                d.writeInt(qb.length);
                d.write(qb);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bo.toByteArray();
    }

    /** What GO told about the export. */
    public record ExportInfo(long size, int flags) {
    }

    /**
     * A whole handshake: greeting, flags, optionally STRUCTURED_REPLY and SET_META_CONTEXT
     * base:allocation, then GO. Fails the test on any refusal.
     */
    public ExportInfo handshake(String name, boolean structured, boolean baseAllocation) throws IOException {
        startHandshake();
        if (structured) {
            sendOption(Wire.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Wire.REP_ACK, readOptionReply().type(), "STRUCTURED_REPLY acknowledged");
        }
        if (baseAllocation) {
            sendOption(Wire.OPT_SET_META_CONTEXT, metaContextData(name, Wire.META_BASE_ALLOCATION));
            List<OptionReply> rs = readOptionReplies();
            assertEquals(Wire.REP_META_CONTEXT, rs.get(0).type(), "base:allocation selected");
            assertEquals(Wire.REP_ACK, rs.get(rs.size() - 1).type());
        }
        sendOption(Wire.OPT_GO, infoData(name));
        long size = -1;
        int flags = -1;
        for (OptionReply r : readOptionReplies()) {
            if (r.isError()) {
                fail("GO refused with 0x" + Integer.toHexString(r.type()) + ": " + new String(r.data(), StandardCharsets.UTF_8));
            }
            if (r.type() == Wire.REP_INFO && r.buffer().getShort() == Wire.INFO_EXPORT) {
                java.nio.ByteBuffer b = r.buffer();
                b.getShort();
                size = b.getLong();
                flags = Short.toUnsignedInt(b.getShort());
            }
        }
        assertEquals(true, size >= 0, "GO sent NBD_INFO_EXPORT");
        return new ExportInfo(size, flags);
    }

    // ---- transmission ---------------------------------------------------------------------

    public void sendRequest(int flags, int type, long cookie, long offset, long length) throws IOException {
        sendRequestHeader(Wire.REQUEST_MAGIC, flags, type, cookie, offset, length);
    }

    public void sendRequestHeader(int magic, int flags, int type, long cookie, long offset, long length) throws IOException {
        out.writeInt(magic);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt((int) length);
        out.flush();
    }

    public void sendWrite(int flags, long cookie, long offset, byte[] data) throws IOException {
        out.writeInt(Wire.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(Wire.CMD_WRITE);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A simple reply: error and cookie (the data of a successful READ follows; see {@link #readBytes}). */
    public record SimpleReply(int error, long cookie) {
    }

    public SimpleReply readSimpleReply() throws IOException {
        int magic = in.readInt();
        assertEquals(Wire.SIMPLE_REPLY_MAGIC, magic, "simple reply magic, got 0x" + Integer.toHexString(magic));
        return new SimpleReply(in.readInt(), in.readLong());
    }

    /** One structured reply chunk with its whole payload. */
    public record Chunk(int flags, int type, long cookie, byte[] payload) {
        public java.nio.ByteBuffer buffer() {
            return java.nio.ByteBuffer.wrap(payload);
        }
    }

    /** Reads a reply that is expected to be structured. */
    public Chunk readChunk() throws IOException {
        int magic = in.readInt();
        assertEquals(Wire.STRUCTURED_REPLY_MAGIC, magic, "structured reply magic, got 0x" + Integer.toHexString(magic));
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        int len = in.readInt();
        if (len < 0 || len > 64 << 20) {
            fail("absurd chunk length " + Integer.toUnsignedString(len));
        }
        return new Chunk(flags, type, cookie, readBytes(len));
    }

    /** Simple write-then-reply helpers for tests that only care about the errno. */
    public int write(long offset, byte[] data) throws IOException {
        long cookie = System.nanoTime();
        sendWrite(0, cookie, offset, data);
        SimpleReply r = readSimpleReply();
        assertEquals(cookie, r.cookie(), "cookie of the WRITE reply");
        return r.error();
    }

    /** READ over simple replies; null when the server answered an error. */
    public byte[] read(long offset, int length) throws IOException {
        long cookie = System.nanoTime();
        sendRequest(0, Wire.CMD_READ, cookie, offset, length);
        SimpleReply r = readSimpleReply();
        assertEquals(cookie, r.cookie(), "cookie of the READ reply");
        return r.error() == 0 ? readBytes(length) : null;
    }

    /** A command without payload whose simple reply carries only an errno. */
    public int command(int flags, int type, long offset, long length) throws IOException {
        long cookie = System.nanoTime();
        sendRequest(flags, type, cookie, offset, length);
        SimpleReply r = readSimpleReply();
        assertEquals(cookie, r.cookie(), "cookie of the " + Wire.commandName(type) + " reply");
        return r.error();
    }

    public void disconnect() throws IOException {
        sendRequest(0, Wire.CMD_DISC, 0, 0, 0);
    }

    public byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** Ends our sending side (what a client that dies mid-frame looks like to the server). */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * True when the server closed the connection: the next read sees end of stream or a reset
     * (within the read timeout). Any bytes still arriving before that are skipped.
     */
    public boolean closedByServer() throws IOException {
        try {
            byte[] skip = new byte[4096];
            while (true) {
                if (in.read(skip) < 0) {
                    return true;
                }
            }
        } catch (EOFException | SocketException e) {
            return true; // reset: the server closed with our data still unread
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
