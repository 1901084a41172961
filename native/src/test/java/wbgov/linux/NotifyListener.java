package wbgov.linux;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's side of {@code sd_notify}, for tests: a bound Unix datagram socket that
 * collects every message with the time it arrived, as systemd's {@code /run/systemd/notify} does.
 */
public final class NotifyListener implements AutoCloseable {
    /** One datagram and its arrival time ({@link System#nanoTime()}). */
    public record Message(String text, long atNanos) {
    }

    private final Path path;
    private final int fd;
    private final LinkedBlockingQueue<Message> queue = new LinkedBlockingQueue<>();
    private final List<Message> all = new ArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    public NotifyListener(Path path) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket: errno " + Native.getLastError());
        }
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (Libc.bind(fd, SystemdNotifier.sockaddrUn(p), 2 + p.length + 1) != 0) {
            int e = Native.getLastError();
            Libc.close(fd);
            throw new IOException("bind " + path + ": errno " + e);
        }
        reader = new Thread(this::read, "notify-listener");
        reader.setDaemon(true);
        reader.start();
    }

    public Path path() {
        return path;
    }

    private void read() {
        byte[] buf = new byte[4096];
        while (!closed) {
            long n = Libc.recv(fd, buf, buf.length, 0);
            if (n <= 0) {
                if (closed) {
                    return;
                }
                continue;
            }
            Message m = new Message(new String(buf, 0, (int) n, StandardCharsets.UTF_8), System.nanoTime());
            synchronized (all) {
                all.add(m);
            }
            queue.add(m);
        }
    }

    /** The next message containing {@code needle}, skipping others; null after the timeout. */
    public Message await(String needle, long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            Message m = queue.poll(left, TimeUnit.NANOSECONDS);
            if (m != null && m.text().contains(needle)) {
                return m;
            }
        }
        return null;
    }

    /** Every message so far, in arrival order. */
    public List<Message> all() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        // shutdown(2) is not bound; closing the fd ends the blocking recv with EBADF on Linux
        // only sometimes, so wake the reader with a last datagram to itself first.
        try (SystemdNotifier self = SystemdNotifier.from(java.util.Map.of("NOTIFY_SOCKET", path.toString()), 0)) {
            self.status("closing");
        }
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Libc.close(fd);
        Files.deleteIfExists(path);
    }
}
