package wbgov.governor.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One daemon per state directory: an exclusive lock on {@code STATE_DIR/lock}, held for the
 * daemon's life, with the holder's pid written in the file.
 *
 * <p>Why: two daemons would both write the same knobs and both journal "original" values (the
 * second would journal the first one's settings as originals and restore those), and the second
 * would take over the first one's status socket. The kernel drops the lock when the holder dies,
 * however it dies, so a {@code kill -9} never leaves a stale lock (a stale pid in the file is
 * harmless: it is only read while the lock is held). {@code wbgov restore} takes the same lock,
 * so it never restores under a live daemon.
 */
public final class InstanceLock implements AutoCloseable {
    public static final String FILE_NAME = "lock";

    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another live process holds the lock. */
    public static final class HeldException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long holderPid;

        HeldException(Path file, long holderPid) {
            super("another wbgov run" + (holderPid > 0 ? " (pid " + holderPid + ")" : "") + " holds " + file
                    + "; stop it first, or give this one its own --state-dir");
            this.holderPid = holderPid;
        }

        /** The holder's pid as it wrote it, or -1 when unreadable. */
        public long holderPid() {
            return holderPid;
        }
    }

    /**
     * Takes the lock at once or fails.
     *
     * @throws HeldException when another process holds it, naming its pid
     */
    public static InstanceLock acquire(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE_NAME);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null; // this very JVM holds it (POSIX locks are per process; Java says so this way)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            long pid = readPid(ch);
            ch.close();
            throw new HeldException(file, pid);
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new InstanceLock(ch, l);
    }

    private static long readPid(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            return Long.parseLong(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
