package wbgov.nbd.control;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The other end of a {@link ControlServer}: {@code wbgov ctl} to a server's control socket,
 * {@code wbgov status} to the daemon's status socket, and the bench and tests to either. One
 * command per connection: it writes the line, then reads the answer until the server closes.
 */
public final class ControlClient {
    /** The longest answer taken (a status table of thousands of devices is far below it). */
    static final int MAX_ANSWER_BYTES = 16 << 20;

    private ControlClient() {
    }

    /**
     * Sends {@code command} (one line, no newline needed) and returns the whole answer as sent,
     * newline(s) included; an answer starting with "error: " is the server refusing the command.
     * IOException when the socket cannot be reached (its message names the socket) or the answer
     * exceeds 16 MiB.
     */
    public static String send(Path socket, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot reach control socket " + socket + ": " + e.getMessage(), e);
            }
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
            InputStream in = Channels.newInputStream(c);
            byte[] answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
            if (answer.length > MAX_ANSWER_BYTES) {
                throw new IOException("control socket " + socket + ": answer to '" + command + "' longer than "
                        + (MAX_ANSWER_BYTES >> 20) + " MiB");
            }
            return new String(answer, StandardCharsets.UTF_8);
        }
    }
}
