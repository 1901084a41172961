package wbgov.nbd.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.nbd.Export;

/**
 * The fixed-newstyle handshake: greeting, then option haggling until EXPORT_NAME or GO picks
 * an export (a {@link Session}), or the client aborts or leaves (null).
 *
 * <p>Runs once per connection, before transmission: it allocates freely (heap buffers,
 * strings); the request loop after it does not.
 */
public final class Handshake {
    private static final Logger LOG = LoggerFactory.getLogger(Handshake.class);

    private final ByteChannel ch;
    private final ExportRegistry exports;
    private final String peer;
    private boolean noZeroes;
    private boolean structured;
    /** Export name SET_META_CONTEXT chose base:allocation for; null when none selected. */
    private String metaExport;

    public Handshake(ByteChannel ch, ExportRegistry exports, String peer) {
        this.ch = ch;
        this.exports = exports;
        this.peer = peer;
    }

    /** Runs the handshake. Null when the client ended it without choosing an export. */
    public Session run() throws IOException, ProtocolException {
        ByteBuffer greet = ByteBuffer.allocate(18);
        greet.putLong(Wire.NBDMAGIC).putLong(Wire.IHAVEOPT)
                .putShort((short) (Wire.FLAG_FIXED_NEWSTYLE | Wire.FLAG_NO_ZEROES)).flip();
        writeFully(greet);
        int clientFlags = readBuffer(4).getInt();
        if ((clientFlags & ~(Wire.CLIENT_FIXED_NEWSTYLE | Wire.CLIENT_NO_ZEROES)) != 0) {
            throw new ProtocolException("client flags 0x" + Integer.toHexString(clientFlags) + " have unknown bits");
        }
        if ((clientFlags & Wire.CLIENT_FIXED_NEWSTYLE) == 0) {
            throw new ProtocolException("client does not speak fixed newstyle (the only handshake this server offers)");
        }
        noZeroes = (clientFlags & Wire.CLIENT_NO_ZEROES) != 0;
        while (true) {
            ByteBuffer h;
            try {
                h = readBuffer(16);
            } catch (EOFException e) {
                return null; // the client left during option haggling (e.g. after LIST)
            }
            long magic = h.getLong();
            int option = h.getInt();
            long length = Integer.toUnsignedLong(h.getInt());
            if (magic != Wire.IHAVEOPT) {
                throw new ProtocolException("bad option magic 0x" + Long.toHexString(magic));
            }
            if (length > Wire.MAX_OPTION_LENGTH) {
                throw new ProtocolException(Wire.optionName(option) + " with " + length + " bytes of data (limit "
                        + Wire.MAX_OPTION_LENGTH + ")");
            }
            ByteBuffer data = readBuffer((int) length);
            switch (option) {
                case Wire.OPT_EXPORT_NAME: {
                    String name = StandardCharsets.UTF_8.decode(data).toString();
                    Export e = exports.find(name);
                    if (e == null) {
                        // No reply is possible to EXPORT_NAME: the spec says close.
                        throw new ProtocolException("EXPORT_NAME for unknown export '" + name + "'");
                    }
                    // What STRUCTURED_REPLY and SET_META_CONTEXT agreed holds here as after GO.
                    int flags = e.transmissionFlags(structured);
                    ByteBuffer r = ByteBuffer.allocate(10 + (noZeroes ? 0 : 124));
                    r.putLong(e.size()).putShort((short) flags);
                    r.position(r.capacity()).flip();
                    writeFully(r);
                    boolean meta = structured && metaExport != null && exports.find(metaExport) == e;
                    return new Session(e, structured, meta, flags);
                }
                case Wire.OPT_ABORT:
                    reply(option, Wire.REP_ACK, null);
                    return null;
                case Wire.OPT_LIST:
                    if (length != 0) {
                        replyError(option, Wire.REP_ERR_INVALID, "LIST takes no data");
                        break;
                    }
                    for (Export e : exports.all()) {
                        byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
                        byte[] d = e.description().getBytes(StandardCharsets.UTF_8);
                        ByteBuffer r = ByteBuffer.allocate(4 + n.length + d.length);
                        r.putInt(n.length).put(n).put(d).flip();
                        reply(option, Wire.REP_SERVER, r);
                    }
                    reply(option, Wire.REP_ACK, null);
                    break;
                case Wire.OPT_STARTTLS:
                    replyError(option, Wire.REP_ERR_UNSUP, "this server does not offer TLS");
                    break;
                case Wire.OPT_STRUCTURED_REPLY:
                    if (length != 0) {
                        replyError(option, Wire.REP_ERR_INVALID, "STRUCTURED_REPLY takes no data");
                        break;
                    }
                    structured = true;
                    reply(option, Wire.REP_ACK, null);
                    break;
                case Wire.OPT_INFO:
                case Wire.OPT_GO: {
                    Session s = infoOrGo(option, data);
                    if (s != null) {
                        return s;
                    }
                    break;
                }
                case Wire.OPT_LIST_META_CONTEXT:
                case Wire.OPT_SET_META_CONTEXT:
                    metaContext(option, data);
                    break;
                default:
                    replyError(option, Wire.REP_ERR_UNSUP, Wire.optionName(option) + " is not supported");
                    break;
            }
        }
    }

    private Session infoOrGo(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            replyError(option, Wire.REP_ERR_INVALID, "option data too short");
            return null;
        }
        long nameLen = Integer.toUnsignedLong(data.getInt());
        if (nameLen > data.remaining() - 2) {
            replyError(option, Wire.REP_ERR_INVALID, "export name length exceeds option data");
            return null;
        }
        String name = string(data, (int) nameLen);
        int nInfo = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != nInfo * 2) {
            replyError(option, Wire.REP_ERR_INVALID, "information request count does not match option length");
            return null;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        for (int i = 0; i < nInfo; i++) {
            int t = Short.toUnsignedInt(data.getShort());
            wantName |= t == Wire.INFO_NAME;
            wantDescription |= t == Wire.INFO_DESCRIPTION;
        }
        Export e = exports.find(name);
        if (e == null) {
            replyError(option, Wire.REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return null;
        }
        int flags = e.transmissionFlags(structured);
        ByteBuffer r = ByteBuffer.allocate(12);
        r.putShort((short) Wire.INFO_EXPORT).putLong(e.size()).putShort((short) flags).flip();
        reply(option, Wire.REP_INFO, r);
        // Block sizes are sent whether asked or not; the spec allows it and clients use them.
        r = ByteBuffer.allocate(14);
        r.putShort((short) Wire.INFO_BLOCK_SIZE).putInt(e.minimumBlockBytes())
                .putInt(Math.max(e.minimumBlockBytes(), Export.PREFERRED_BLOCK_BYTES)).putInt(e.maxRequestBytes()).flip();
        reply(option, Wire.REP_INFO, r);
        if (wantName) {
            byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
            r = ByteBuffer.allocate(2 + n.length);
            r.putShort((short) Wire.INFO_NAME).put(n).flip();
            reply(option, Wire.REP_INFO, r);
        }
        if (wantDescription) {
            byte[] d = e.description().getBytes(StandardCharsets.UTF_8);
            r = ByteBuffer.allocate(2 + d.length);
            r.putShort((short) Wire.INFO_DESCRIPTION).put(d).flip();
            reply(option, Wire.REP_INFO, r);
        }
        reply(option, Wire.REP_ACK, null);
        if (option == Wire.OPT_INFO) {
            return null;
        }
        boolean meta = structured && metaExport != null && exports.find(metaExport) == e;
        return new Session(e, structured, meta, flags);
    }

    private void metaContext(int option, ByteBuffer data) throws IOException {
        if (option == Wire.OPT_SET_META_CONTEXT && !structured) {
            replyError(option, Wire.REP_ERR_INVALID, "SET_META_CONTEXT needs STRUCTURED_REPLY first");
            return;
        }
        if (data.remaining() < 8) {
            replyError(option, Wire.REP_ERR_INVALID, "option data too short");
            return;
        }
        long nameLen = Integer.toUnsignedLong(data.getInt());
        if (nameLen > data.remaining() - 4) {
            replyError(option, Wire.REP_ERR_INVALID, "export name length exceeds option data");
            return;
        }
        String name = string(data, (int) nameLen);
        long nQueries = Integer.toUnsignedLong(data.getInt());
        String[] queries = new String[(int) Math.min(nQueries, 1024)];
        if (nQueries > 1024) {
            replyError(option, Wire.REP_ERR_TOO_BIG, "too many queries");
            return;
        }
        for (int i = 0; i < nQueries; i++) {
            if (data.remaining() < 4) {
                replyError(option, Wire.REP_ERR_INVALID, "query list truncated");
                return;
            }
            long qLen = Integer.toUnsignedLong(data.getInt());
            if (qLen > data.remaining()) {
                replyError(option, Wire.REP_ERR_INVALID, "query length exceeds option data");
                return;
            }
            queries[i] = string(data, (int) qLen);
        }
        if (data.hasRemaining()) {
            replyError(option, Wire.REP_ERR_INVALID, "trailing bytes after queries");
            return;
        }
        if (exports.find(name) == null) {
            replyError(option, Wire.REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return;
        }
        boolean match = false;
        if (option == Wire.OPT_LIST_META_CONTEXT && nQueries == 0) {
            match = true;
        }
        for (String q : queries) {
            if (q.equals(Wire.META_BASE_ALLOCATION)
                    || (option == Wire.OPT_LIST_META_CONTEXT && (q.equals("base:") || q.equals("base:allocation")))) {
                match = true;
            }
        }
        if (option == Wire.OPT_SET_META_CONTEXT) {
            metaExport = match ? name : null;
        }
        if (match) {
            byte[] n = Wire.META_BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer r = ByteBuffer.allocate(4 + n.length);
            r.putInt(option == Wire.OPT_SET_META_CONTEXT ? Wire.META_ID_BASE_ALLOCATION : 0).put(n).flip();
            reply(option, Wire.REP_META_CONTEXT, r);
        }
        reply(option, Wire.REP_ACK, null);
    }

    private static String string(ByteBuffer data, int len) {
        byte[] b = new byte[len];
        data.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void replyError(int option, int type, String message) throws IOException {
        LOG.debug("{}: {} refused: {}", peer, Wire.optionName(option), message);
        reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }

    private void reply(int option, int type, ByteBuffer data) throws IOException {
        int len = data == null ? 0 : data.remaining();
        ByteBuffer h = ByteBuffer.allocate(20 + len);
        h.putLong(Wire.OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(len);
        if (data != null) {
            h.put(data);
        }
        h.flip();
        writeFully(h);
    }

    private ByteBuffer readBuffer(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("connection closed during handshake");
            }
        }
        return b.flip();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
