package wbgov.linux;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The service side of systemd's notification protocol ({@code sd_notify(3)}): datagrams such as
 * {@code READY=1} sent to the Unix socket named by {@code $NOTIFY_SOCKET}.
 *
 * <p>Why not a library: the protocol is one {@code sendto} of a text datagram, and Java's own
 * sockets cannot send Unix <em>datagrams</em> (JDK 16 added Unix stream sockets only). One
 * socket is opened at construction and kept; {@link #watchdog()} sends a preallocated message,
 * so the duty cycle that calls it allocates nothing.
 *
 * <p>Outside systemd ({@code NOTIFY_SOCKET} unset) every method is a no-op returning false, as
 * {@code sd_notify} does. An address starting with {@code @} is in the abstract namespace.
 * A failed send is reported by the return value, never thrown: a daemon must not die because
 * its supervisor went away.
 */
public final class SystemdNotifier implements AutoCloseable {
    private static final byte[] WATCHDOG = bytes("WATCHDOG=1");
    private static final int SUN_PATH_MAX = 108;

    private final byte[] address;
    private final int addressLength;
    private final long watchdogNanos;
    private int fd = -1;

    private SystemdNotifier(String socketPath, long watchdogNanos) {
        this.watchdogNanos = watchdogNanos;
        if (socketPath == null || socketPath.isEmpty()) {
            address = null;
            addressLength = 0;
            return;
        }
        byte[] path = socketPath.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("NOTIFY_SOCKET too long (" + path.length + " bytes): " + socketPath);
        }
        address = sockaddrUn(path);
        // Abstract names are exactly their bytes long (no terminating NUL); paths include it.
        addressLength = 2 + path.length + (path[0] == '@' ? 0 : 1);
        fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    }

    /** From this process's environment: {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}. */
    public static SystemdNotifier fromEnvironment() {
        return from(System.getenv(), ProcessHandle.current().pid());
    }

    /** From the given environment, as if this were process {@code pid}. */
    public static SystemdNotifier from(Map<String, String> env, long pid) {
        return new SystemdNotifier(env.get("NOTIFY_SOCKET"), watchdogNanos(env, pid));
    }

    /**
     * The watchdog interval systemd asks for, in nanoseconds, or 0 when there is none:
     * {@code WATCHDOG_USEC}, for this process only when {@code WATCHDOG_PID} names it (as
     * {@code sd_watchdog_enabled(3)} reads them).
     */
    static long watchdogNanos(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null) {
            return 0;
        }
        String forPid = env.get("WATCHDOG_PID");
        try {
            if (forPid != null && Long.parseLong(forPid.trim()) != pid) {
                return 0;
            }
            long us = Long.parseLong(usec.trim());
            return us > 0 ? us * 1000 : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** True under a supervisor that listens ({@code NOTIFY_SOCKET} set and the socket opened). */
    public boolean enabled() {
        return fd >= 0;
    }

    /**
     * How often to send {@link #watchdog()}: half of {@code WATCHDOG_USEC} (sd_watchdog_enabled's
     * advice), in nanoseconds; 0 when systemd has no watchdog for this process.
     */
    public long watchdogPeriodNanos() {
        return enabled() ? watchdogNanos / 2 : 0;
    }

    /** {@code READY=1} with a status line: startup finished (or a reload did). */
    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** {@code RELOADING=1} (systemd 253 also wants MONOTONIC_USEC; 252 ignores it). */
    public boolean reloading() {
        return send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    }

    public boolean stopping() {
        return send("STOPPING=1");
    }

    /** {@code STATUS=}: the one line {@code systemctl status} shows. */
    public boolean status(String status) {
        return send("STATUS=" + oneLine(status));
    }

    /** {@code WATCHDOG=1}; allocates nothing. */
    public boolean watchdog() {
        return send(WATCHDOG);
    }

    private boolean send(String message) {
        return send(bytes(message));
    }

    private synchronized boolean send(byte[] message) {
        if (fd < 0) {
            return false;
        }
        return Libc.sendto(fd, message, message.length, Libc.MSG_NOSIGNAL, address, addressLength) == message.length;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Libc.close(fd);
            fd = -1;
        }
    }

    /** {@code struct sockaddr_un} for a path ({@code @name}: abstract, its first byte NUL). */
    static byte[] sockaddrUn(byte[] path) {
        byte[] a = new byte[2 + SUN_PATH_MAX];
        a[0] = (byte) Libc.AF_UNIX; // sa_family_t, little-endian on x86-64 and aarch64
        a[1] = 0;
        System.arraycopy(path, 0, a, 2, path.length);
        if (path[0] == '@') {
            a[2] = 0;
        }
        return a;
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
