package wbgov.nbd;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.linux.Errno;
import wbgov.linux.LinuxCalls;
import wbgov.linux.LinuxException;
import wbgov.nbd.protocol.Connection;

/**
 * Marks every thread that serves I/O with {@code PR_SET_IO_FLUSHER} and confirms it with
 * {@code PR_GET_IO_FLUSHER}. The flag is per thread: the kernel then does not recurse into
 * file-system I/O for this thread's allocations, and throttles its writes only against the
 * device it writes to — a server the machine's own write-back depends on must not wait for
 * the dirty limit it is draining.
 *
 * <p>Without CAP_SYS_RESOURCE the kernel answers EPERM: that is said once, with the remedy, and
 * the server keeps serving.
 */
public final class IoFlusher implements Connection.IoThreadSetup {
    private static final Logger LOG = LoggerFactory.getLogger(IoFlusher.class);

    private final boolean enabled;
    private final AtomicBoolean reported = new AtomicBoolean();
    private final AtomicInteger threadsMarked = new AtomicInteger();
    private final AtomicInteger threadsRefused = new AtomicInteger();

    public IoFlusher(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public void onIoThread() {
        if (!enabled) {
            return;
        }
        try {
            LinuxCalls.setIoFlusher();
            if (!LinuxCalls.isIoFlusher()) {
                throw new LinuxException("PR_GET_IO_FLUSHER (reads back 0 after a successful set)", Errno.EIO);
            }
            threadsMarked.incrementAndGet();
            if (reported.compareAndSet(false, true)) {
                LOG.info("PR_SET_IO_FLUSHER set on I/O threads (confirmed with PR_GET_IO_FLUSHER)");
            }
        } catch (LinuxException e) {
            threadsRefused.incrementAndGet();
            if (reported.compareAndSet(false, true)) {
                if (e.errno() == Errno.EPERM) {
                    LOG.warn("PR_SET_IO_FLUSHER refused (EPERM): this process lacks CAP_SYS_RESOURCE. Serving on, but "
                            + "if this machine writes back through this server (a local /dev/nbdX), the server can be "
                            + "throttled by the very dirty limit it must drain. Grant the capability, e.g. systemd "
                            + "AmbientCapabilities=CAP_SYS_RESOURCE CAP_IPC_LOCK, or run with it (capsh/setpriv).");
                } else {
                    LOG.warn("PR_SET_IO_FLUSHER failed: {}; serving on without it", e.getMessage());
                }
            }
        }
    }

    /** "set on N threads", "refused (EPERM) on N threads" or "off": for status and the bench. */
    public String state() {
        if (!enabled) {
            return "off";
        }
        if (threadsRefused.get() > 0) {
            return "refused on " + threadsRefused.get() + " threads (no CAP_SYS_RESOURCE)";
        }
        return "set on " + threadsMarked.get() + " threads";
    }

    public int threadsMarked() {
        return threadsMarked.get();
    }
}
