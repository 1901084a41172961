package wbgov.nbd;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Claiming a Unix socket path before binding it, as a server should: a socket file nobody
 * answers on (left by a killed server) is replaced; one a live server answers on is refused
 * (EADDRINUSE), never silently taken over, which would leave the first server running but
 * unreachable; any other kind of file is refused.
 */
public final class UnixSocketPath {
    private UnixSocketPath() {
    }

    /** Thrown when a live server already answers on the path. */
    public static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(Path path) {
            super("address already in use: a live server answers on " + path + " (stop it first, or choose another path)");
        }
    }

    /**
     * Makes {@code path} free to bind: deletes a stale socket file.
     *
     * @throws InUseException when a server accepts connections on it
     * @throws IOException when the path is something other than a socket
     */
    public static void claim(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object mode;
        try {
            mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            throw new IOException(path + ": cannot tell what kind of file it is: refusing to replace it", e);
        }
        if (((Integer) mode & 0170000) != 0140000) {
            throw new IOException(path + " exists and is not a socket: refusing to replace it");
        }
        if (answers(path)) {
            throw new InUseException(path);
        }
        Files.deleteIfExists(path);
    }

    /** True when something accepts a connection on the socket at {@code path}. */
    public static boolean answers(Path path) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false; // ECONNREFUSED: nobody listens, the file is stale
        }
    }
}
