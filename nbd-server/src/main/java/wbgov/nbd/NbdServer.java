package wbgov.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.nbd.protocol.Connection;
import wbgov.nbd.protocol.ExportRegistry;
import wbgov.nbd.protocol.Wire;

/**
 * The NBD server: listens on one TCP address or Unix socket, one thread per connection, and
 * serves a set of exports. Usable on its own ({@code wbgov serve}) or inside the governor's JVM
 * ({@code wbgov run --serve}), which reads {@link Export#stats()} and sets {@link
 * Export#inflightLimit()}.
 */
public final class NbdServer implements AutoCloseable, ExportRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);

    private final List<Export> exports;
    private final ServerSocketChannel listener;
    private final String address;
    private final Path unixPath;
    private final IoFlusher ioFlusher;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private NbdServer(List<Export> exports, ServerSocketChannel listener, String address, Path unixPath,
            IoFlusher ioFlusher) {
        this.exports = List.copyOf(exports);
        this.listener = listener;
        this.address = address;
        this.unixPath = unixPath;
        this.ioFlusher = ioFlusher;
        this.acceptor = new Thread(this::acceptLoop, "nbd-accept");
        acceptor.setDaemon(true);
    }

    /** Serves on TCP. Port 0 picks a free port (see {@link #port()}). */
    public static NbdServer tcp(String host, int port, List<Export> exports, IoFlusher ioFlusher) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        try {
            s.bind(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InetSocketAddress a = (InetSocketAddress) s.getLocalAddress();
        String addr = (a.getAddress().getHostAddress().contains(":") ? "[" + a.getAddress().getHostAddress() + "]"
                : a.getAddress().getHostAddress()) + ":" + a.getPort();
        return start(new NbdServer(exports, s, addr, null, ioFlusher));
    }

    /**
     * Serves on a Unix socket; a stale socket file at the path is replaced, a live server's is
     * refused ({@link UnixSocketPath}), anything else is an error.
     */
    public static NbdServer unix(Path path, List<Export> exports, IoFlusher ioFlusher) throws IOException {
        UnixSocketPath.claim(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path), 128);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen on unix socket " + path + ": " + e.getMessage(), e);
        }
        return start(new NbdServer(exports, s, "unix:" + path, path, ioFlusher));
    }

    /**
     * Serves on a listening socket someone else opened: systemd's socket activation
     * ({@code LISTEN_FDS}, passed as {@link System#inheritedChannel()}). Its file, if a Unix
     * socket, belongs to systemd and is left in place on close.
     */
    public static NbdServer inherited(ServerSocketChannel listener, List<Export> exports, IoFlusher ioFlusher)
            throws IOException {
        java.net.SocketAddress a = listener.getLocalAddress();
        String addr = a instanceof UnixDomainSocketAddress u ? "unix:" + u.getPath() : String.valueOf(a).replaceFirst("^/", "");
        return start(new NbdServer(exports, listener, addr + " (socket-activated)", null, ioFlusher));
    }

    private static NbdServer start(NbdServer s) {
        for (Export e : s.exports) {
            LOG.info("serving export '{}': {}, {} bytes, on {}, flags {}, max request {}, in-flight limit {} requests / {} bytes{}{}",
                    e.name(), e.backend().describe(), e.size(), s.address,
                    Wire.transmissionFlagNames(e.transmissionFlags(true)), e.maxRequestBytes(),
                    e.inflightLimit().limitRequests(), e.inflightLimit().limitBytes(),
                    e.readOnly() ? ", read-only" : "",
                    e.emulator().rateBytesPerSec() > 0 || e.emulator().latencyNs() > 0
                            ? ", emulated rate " + e.emulator().rateBytesPerSec() + " B/s, latency "
                                    + e.emulator().latencyNs() / 1_000_000.0 + " ms" : "");
        }
        for (Export e : s.exports) {
            e.emulator().runOnThread(s.ioFlusher::onIoThread); // it sends replies: an I/O thread too
        }
        s.acceptor.start();
        return s;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.error("accept failed on {}: {}", address, e.getMessage());
                }
                return;
            }
            try {
                String peer;
                // By the socket, not by how we opened it: a socket-activated listener may be either.
                if (c.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    SocketAddress ra = c.getRemoteAddress();
                    peer = "conn " + connectionIds.incrementAndGet() + " " + ra;
                } else {
                    peer = "conn " + connectionIds.incrementAndGet() + " unix";
                }
                if (closed) {
                    c.close();
                    return;
                }
                Connection[] holder = new Connection[1];
                Connection conn = new Connection(c, this, peer, ioFlusher, () -> connections.remove(holder[0]));
                holder[0] = conn;
                connections.add(conn);
                Thread t = new Thread(() -> {
                    try {
                        conn.run();
                    } finally {
                        threads.remove(Thread.currentThread());
                    }
                }, "nbd-" + peer.replace(' ', '-'));
                t.setDaemon(true);
                threads.add(t);
                t.start();
            } catch (IOException e) {
                LOG.warn("could not set up a new connection: {}", e.getMessage());
            }
        }
    }

    @Override
    public Export find(String name) {
        if (name.isEmpty()) {
            return exports.get(0);
        }
        for (Export e : exports) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    @Override
    public List<Export> all() {
        return exports;
    }

    /** "127.0.0.1:10809" or "unix:/path". */
    public String address() {
        return address;
    }

    public int port() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException | ClassCastException e) {
            return -1;
        }
    }

    public IoFlusher ioFlusher() {
        return ioFlusher;
    }

    public int connectionCount() {
        return connections.size();
    }

    /**
     * Clean shutdown: stop accepting, stop reading new requests, reply to every request in
     * flight (emulated delays are cut short), close connections, then the exports.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Export e : exports) {
            e.beginShutdown();
        }
        for (Connection c : new ArrayList<>(connections)) {
            c.shutdown();
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (Thread t : new ArrayList<>(threads)) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Export e : exports) {
            try {
                e.close();
            } catch (IOException ex) {
                LOG.warn("closing export '{}': {}", e.name(), ex.getMessage());
            }
        }
        if (unixPath != null) {
            try {
                Files.deleteIfExists(unixPath);
            } catch (IOException e) {
                // left behind; the next start replaces a stale socket
            }
        }
        LOG.info("server on {} stopped", address);
    }
}
