package wbgov.nbd.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.nbd.Export;

/**
 * The control socket of a server running alone ({@code wbgov serve --control PATH}): a Unix
 * socket, mode 0600 (only its owner may steer the server; 0660 with a group for a socket that
 * answers read-only requests, as the governor's status socket), one text command per connection,
 * answered by {@link ControlCommands}. One thread; commands are rare and short.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final int MAX_COMMAND_BYTES = 4096;

    private final Path path;
    private final ServerSocketChannel listener;
    private final UnaryOperator<String> commands;
    private final Thread thread;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel listener, UnaryOperator<String> commands) {
        this.path = path;
        this.listener = listener;
        this.commands = commands;
        this.thread = new Thread(this::loop, "nbd-control");
        thread.setDaemon(true);
    }

    /** The server's control socket: {@link ControlCommands} over these exports. */
    public static ControlServer start(Path path, List<Export> exports) throws IOException {
        ControlServer c = start(path, new ControlCommands(exports)::execute);
        LOG.info("control socket on {} (mode 0600): wbgov ctl {} get|set KEY [VALUE]", path, path);
        return c;
    }

    /**
     * A control socket answering each one-line command with {@code commands}; also used by the
     * governor for its status socket.
     */
    public static ControlServer start(Path path, UnaryOperator<String> commands) throws IOException {
        return start(path, null, commands);
    }

    /**
     * As {@link #start(Path, UnaryOperator)}, the socket also open to {@code group} (mode 0660,
     * that group) when not null: for read-only requests only, such as the governor's status. The
     * mode is 0600 before the group is set, so no one else ever connects in between.
     */
    public static ControlServer start(Path path, GroupPrincipal group, UnaryOperator<String> commands)
            throws IOException {
        wbgov.nbd.UnixSocketPath.claim(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path), 8);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            if (group != null) {
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            }
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot create control socket " + path + ": " + e.getMessage(), e);
        }
        ControlServer c = new ControlServer(path, s, commands);
        c.thread.start();
        return c;
    }

    private void loop() {
        ByteBuffer in = ByteBuffer.allocate(MAX_COMMAND_BYTES);
        while (!closed) {
            try (SocketChannel c = listener.accept()) {
                in.clear();
                while (in.hasRemaining()) {
                    int n = c.read(in);
                    if (n < 0 || (in.position() > 0 && in.get(in.position() - 1) == '\n')) {
                        break;
                    }
                }
                String line = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).trim();
                String answer = commands.apply(line);
                ByteBuffer out = ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    c.write(out);
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("control connection: {}", e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // best effort
        }
    }
}
