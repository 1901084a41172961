package wbgov.nbd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketPathTest {
    @TempDir
    Path dir;

    @Test
    void aLiveServersSocketIsRefusedAStaleOneReplaced() throws Exception {
        Path p = dir.resolve("s.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(p));
            IOException e = assertThrows(UnixSocketPath.InUseException.class, () -> UnixSocketPath.claim(p));
            assertTrue(e.getMessage().contains("address already in use"), e.getMessage());
            assertTrue(Files.exists(p), "the live server's socket was left alone");
        }
        assertTrue(Files.exists(p), "closing a bound channel leaves its file: a stale socket");
        UnixSocketPath.claim(p);
        assertFalse(Files.exists(p));
    }

    @Test
    void anythingElseIsNeverReplaced() throws Exception {
        Path f = Files.writeString(dir.resolve("data"), "precious");
        IOException e = assertThrows(IOException.class, () -> UnixSocketPath.claim(f));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertTrue(Files.exists(f));
        UnixSocketPath.claim(dir.resolve("absent")); // nothing there: nothing to do
    }
}
