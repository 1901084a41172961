package wbgov.bench.rig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * An application writing a file the ordinary way: buffered 1 MiB {@code write()}s into the page
 * cache, then one {@code fsync} or {@code fdatasync}. Its progress is the benchmark's ground
 * truth for the two times a user feels:
 *
 * <ul>
 *   <li><b>accepted</b> ({@link #acceptedNs()}): the last write returned; the application may
 *       go on. The dirty limit (and only it) stretches this: {@code balance_dirty_pages}
 *       pauses a writer whose device, or the machine, is over its limit.
 *   <li><b>on the device</b> ({@link #syncedNs()}): fsync returned; the data is durable.
 * </ul>
 *
 * {@link #bytesWritten()} may be read at any time from any thread (a sampler at 10 Hz); times are
 * {@link System#nanoTime()} values, 0 until reached. A writer with no byte count writes until
 * {@link #stop()} (a steady writer on a slow device), then syncs.
 */
public final class Writer implements AutoCloseable {
    /** How the writer ends. */
    public enum Sync {
        /** fsync(2): data and metadata. */
        FSYNC,
        /** fdatasync(2): data (and the size). */
        FDATASYNC,
        /** No sync: leave it to write-back. */
        NONE,
        /**
         * O_DIRECT, no sync: every write() goes to the device before it returns, so the writer's
         * own bdi holds no dirty pages while its whole I/O pipeline below stays as busy.
         */
        DIRECT
    }

    private static final int CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final long totalBytes;
    /** Where the writer goes back to the start of its file (a busy writer that must not fill the device); MAX: never. */
    private long wrapBytes = Long.MAX_VALUE;
    private final Sync sync;
    private final Thread thread;
    private volatile long bytesWritten;
    private volatile long startNs;
    private volatile long firstWriteNs;
    private volatile long acceptedNs;
    private volatile long syncedNs;
    private volatile boolean stopRequested;
    private volatile Throwable error;
    private volatile Teardown.Handle teardown;

    private Writer(Path file, long totalBytes, Sync sync, String name) {
        this.file = file;
        this.totalBytes = totalBytes;
        this.sync = sync;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    /** Starts a writer of {@code totalBytes} (rounded up to whole MiB), then {@code sync}. */
    public static Writer start(Path file, long totalBytes, Sync sync) {
        if (totalBytes <= 0) {
            throw new IllegalArgumentException("bytes must be > 0: " + totalBytes);
        }
        return new Writer(file, totalBytes, sync, "writer-" + file.getFileName()).begin();
    }

    /** Starts a writer that writes until {@link #stop()}, then {@code sync}. */
    public static Writer startUnbounded(Path file, Sync sync) {
        return new Writer(file, Long.MAX_VALUE, sync, "writer-" + file.getFileName()).begin();
    }

    /**
     * Starts a writer that writes until {@link #stop()}, overwriting its file from the start every
     * {@code fileBytes}: a device kept busy for as long as needed without filling up. Every page
     * it writes is dirtied again, so write-back never runs out of work.
     */
    public static Writer startCycling(Path file, long fileBytes, Sync sync) {
        Writer w = new Writer(file, Long.MAX_VALUE, sync, "writer-" + file.getFileName());
        w.wrapBytes = Math.max(CHUNK_BYTES, fileBytes);
        return w.begin();
    }

    /**
     * Registered with {@link Teardown} while running, so that on Ctrl-C it stops writing (newest
     * first: before the device under it is torn down). The hook does not wait for its sync: the
     * device's own teardown lifts the slow rate so the sync ends quickly, then unmounts.
     */
    private Writer begin() {
        teardown = Teardown.register("writer of " + file, () -> {
            stop();
            if (Thread.currentThread() != thread) {
                thread.join(1000);
            }
        });
        thread.start();
        return this;
    }

    private void run() {
        startNs = System.nanoTime();
        // Aligned to 4 KiB, as O_DIRECT needs (and harmless otherwise).
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES + 4096).alignedSlice(4096).limit(CHUNK_BYTES).slice();
        for (int i = 0; i < CHUNK_BYTES; i += 8) {
            buf.putLong(i, 0x5a5a5a5a_00000000L | i); // not zeros: nothing may shortcut zero pages
        }
        java.util.Set<java.nio.file.OpenOption> options = new java.util.HashSet<>(java.util.List.of(
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
        if (sync == Sync.DIRECT) {
            options.add(com.sun.nio.file.ExtendedOpenOption.DIRECT);
        }
        try (FileChannel ch = FileChannel.open(file, options)) {
            long written = 0;
            while (written < totalBytes && !stopRequested) {
                buf.clear();
                if (ch.position() >= wrapBytes) {
                    ch.position(0);
                }
                while (buf.hasRemaining()) {
                    written += ch.write(buf);
                }
                if (firstWriteNs == 0) {
                    firstWriteNs = System.nanoTime();
                }
                bytesWritten = written;
            }
            acceptedNs = System.nanoTime();
            if (sync == Sync.FSYNC) {
                ch.force(true);
            } else if (sync == Sync.FDATASYNC) {
                ch.force(false); // fdatasync(2) on Linux
            }
            syncedNs = System.nanoTime();
        } catch (IOException | RuntimeException e) {
            error = e;
        } finally {
            Teardown.Handle h = teardown;
            if (h != null) {
                try {
                    h.close(); // deregisters; stopping a finished writer is harmless
                } catch (Exception e) {
                    // the action only sets a flag and joins
                }
            }
        }
    }

    /** Bytes whose write() returned so far. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    /** When the thread started (before opening the file). */
    public long startNs() {
        return startNs;
    }

    /** When the first write returned; 0 before. */
    public long firstWriteNs() {
        return firstWriteNs;
    }

    /** When the last write returned (all accepted); 0 before. */
    public long acceptedNs() {
        return acceptedNs;
    }

    /** When fsync/fdatasync returned (all on the device); 0 before. With {@link Sync#NONE}, = accepted. */
    public long syncedNs() {
        return syncedNs;
    }

    /** Seconds from start to all accepted; NaN before. */
    public double acceptSeconds() {
        long a = acceptedNs;
        return a == 0 ? Double.NaN : (a - startNs) / 1e9;
    }

    /** Seconds from start to synced; NaN before. */
    public double syncSeconds() {
        long s = syncedNs;
        return s == 0 ? Double.NaN : (s - startNs) / 1e9;
    }

    /** Bytes per second from start to synced (what "throughput" means in the reports); NaN before. */
    public double throughputBytesPerSec() {
        double s = syncSeconds();
        return Double.isNaN(s) || s <= 0 ? Double.NaN : bytesWritten / s;
    }

    /** The failure that ended the writer, null if none (yet). */
    public Throwable error() {
        return error;
    }

    public boolean isDone() {
        return !thread.isAlive();
    }

    /** Asks an unbounded (or any) writer to stop writing; it then syncs. Does not wait. */
    public void stop() {
        stopRequested = true;
    }

    /** Waits for the writer to finish (sync included); true if it did within the timeout. Rethrows its error. */
    public boolean await(long timeout, TimeUnit unit) throws IOException, InterruptedException {
        thread.join(Math.max(1, unit.toMillis(timeout)));
        if (error != null) {
            throw new IOException("writer of " + file + " failed: " + error.getMessage(), error);
        }
        return !thread.isAlive();
    }

    /** Stops the writer and waits for it up to 5 minutes (its sync may be slow on a slow device). */
    @Override
    public void close() throws IOException {
        stop();
        try {
            thread.join(TimeUnit.MINUTES.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
