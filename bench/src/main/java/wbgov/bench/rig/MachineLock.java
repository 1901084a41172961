package wbgov.bench.rig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One benchmark (or end-to-end test) at a time on this machine. They change machine-wide state
 * ({@code vm.dirty_bytes}, blk-throttle rules) and measure timings: two at once corrupt each
 * other's "original" values and each other's numbers. An exclusive {@code flock} on
 * {@code /run/wbgov-bench.lock}, released by the kernel if the holder dies; the file names the
 * holder's PID for the waiting side's message.
 *
 * <p>Re-entrant within one JVM (a benchmark holding a snapshot per configuration and one for the
 * whole run): the file lock is taken by the first holder and released by the last.
 */
public final class MachineLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MachineLock.class);
    public static final Path FILE = Path.of("/run/wbgov-bench.lock");
    /** How long {@link KernelSnapshot#take()} waits for another run: 10 minutes. */
    public static final long DEFAULT_WAIT_NS = 600_000_000_000L;

    private static FileChannel channel;
    private static FileLock lock;
    private static int holders;
    private boolean held = true;

    private MachineLock() {
    }

    /** Waits up to {@code waitNs} for the lock; throws naming the holder if it does not come. */
    public static synchronized MachineLock acquire(long waitNs) throws IOException {
        if (holders > 0) {
            holders++;
            return new MachineLock();
        }
        FileChannel ch = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long deadline = System.nanoTime() + waitNs;
        boolean told = false;
        try {
            while (true) {
                FileLock l = ch.tryLock();
                if (l != null) {
                    ch.truncate(0);
                    ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                            .getBytes(StandardCharsets.US_ASCII)), 0);
                    channel = ch;
                    lock = l;
                    holders = 1;
                    return new MachineLock();
                }
                if (!told) {
                    LOG.warn("another wbgov benchmark or end-to-end test (pid {}) holds {}: waiting for it", holder(),
                            FILE);
                    told = true;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("another wbgov benchmark or end-to-end test (pid " + holder() + ") holds "
                            + FILE + " for longer than " + waitNs / 1_000_000_000L + " s");
                }
                Thread.sleep(200);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + FILE, e);
        }
    }

    private static String holder() {
        try {
            return Sh.read(FILE);
        } catch (IOException e) {
            return "?";
        }
    }

    /** Releases this hold (once); the file lock goes with the last one. */
    @Override
    public void close() throws IOException {
        synchronized (MachineLock.class) {
            if (!held) {
                return;
            }
            held = false;
            if (--holders == 0) {
                lock.release();
                lock = null;
                channel.close();
                channel = null;
            }
        }
    }
}
