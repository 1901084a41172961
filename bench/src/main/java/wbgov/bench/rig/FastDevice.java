package wbgov.bench.rig;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fast local device: a loop device on a file in a private tmpfs, with ext4, mounted. RAM-fast
 * by default; with {@link Builder#throttleBytesPerSec(long)} it is held to a steady SSD-like
 * speed by blk-throttle (see {@link BlkThrottle}), which also throttles its write-back.
 *
 * <p>The tmpfs file is {@code fallocate}d and written through once before the loop device is
 * attached: a loop device on a sparse tmpfs file pays page allocation on first touch, and its
 * timings then swing 3x from run to run (CONTEXT.md).
 *
 * <p>{@link #close()} (also run by the {@link Teardown} hook) resets the throttle rule to 0,
 * unmounts, detaches the loop device and unmounts the tmpfs, which frees its memory.
 */
public final class FastDevice implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FastDevice.class);

    private final Path workDir;
    private final Path tmpfsDir;
    private final Path image;
    private final Path mountPoint;
    private final Teardown.Handle teardown;
    private boolean tmpfsMounted;
    private String loopDevice;
    private String bdi;
    private boolean mounted;
    private long throttleBytesPerSec;

    private FastDevice(Builder b) {
        this.workDir = b.workDir.toAbsolutePath().normalize();
        this.tmpfsDir = workDir.resolve("tmpfs");
        this.image = tmpfsDir.resolve("disk.img");
        this.mountPoint = workDir.resolve("mnt");
        this.teardown = Teardown.register("fast device in " + workDir, this::teardown);
    }

    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Settings; defaults as field initialisers. */
    public static final class Builder {
        private final Path workDir;
        private long sizeBytes = 2L << 30;
        private long throttleBytesPerSec;
        private boolean warm = true;

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        /** Device size; this much memory is taken by the tmpfs while the rig exists. Default 2 GiB. */
        public Builder sizeBytes(long n) {
            sizeBytes = Rigs.ext4Size(n);
            return this;
        }

        /**
         * Steady write speed by blk-throttle, bytes/s; 0 (default) = RAM-fast. If blk-throttle is
         * not available, {@link #build()} fails: use {@link BlkThrottle#available()} to decide.
         */
        public Builder throttleBytesPerSec(long r) {
            throttleBytesPerSec = Rigs.rate(r);
            return this;
        }

        /** Write the tmpfs file through once before use (default true). */
        public Builder warm(boolean w) {
            warm = w;
            return this;
        }

        public FastDevice build() throws IOException {
            Rigs.requireRoot();
            if (throttleBytesPerSec > 0 && !BlkThrottle.available()) {
                throw new IOException("fast device: throttle asked but " + BlkThrottle.whyNot());
            }
            FastDevice d = new FastDevice(this);
            return Rigs.buildOrClose(d, () -> d.build(this));
        }
    }

    private void build(Builder b) throws IOException {
        Files.createDirectories(tmpfsDir);
        Files.createDirectories(mountPoint);
        long tmpfsBytes = b.sizeBytes + (16L << 20);
        Sh.run("mount", "-t", "tmpfs", "-o", "size=" + tmpfsBytes + ",mode=0700", "wbgov-bench", tmpfsDir.toString());
        tmpfsMounted = true;
        Sh.run("fallocate", "-l", Long.toString(b.sizeBytes), image.toString());
        if (b.warm) {
            warm(image, b.sizeBytes);
        }
        loopDevice = Sh.run("losetup", "-f", "--show", image.toString());
        bdi = Sh.majMin(loopDevice.substring(loopDevice.lastIndexOf('/') + 1));
        Sh.run("mkfs.ext4", "-q", "-F", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1", loopDevice);
        Sh.run("mount", "-t", "ext4", "-o", "noinit_itable", loopDevice, mountPoint.toString());
        mounted = true;
        if (b.throttleBytesPerSec > 0) {
            setThrottle(b.throttleBytesPerSec);
        }
        LOG.info("fast device: {} (bdi {}) on tmpfs {}, ext4 at {}, {}", loopDevice, bdi, image, mountPoint,
                b.throttleBytesPerSec > 0 ? "blk-throttle " + b.throttleBytesPerSec + " B/s" : "RAM-fast");
    }

    private static void warm(Path file, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long off = 0; off < size; off += buf.capacity()) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), size - off));
                while (buf.hasRemaining()) {
                    ch.write(buf, off + buf.position());
                }
            }
        }
    }

    /** Changes the blk-throttle write rate (bytes/s); 0 removes it (RAM-fast). */
    public void setThrottle(long bytesPerSec) throws IOException {
        if (bytesPerSec > 0 && !BlkThrottle.available()) {
            throw new IOException(BlkThrottle.whyNot());
        }
        if (bytesPerSec > 0 || throttleBytesPerSec > 0) {
            BlkThrottle.setWriteBps(bdi, bytesPerSec);
        }
        throttleBytesPerSec = bytesPerSec;
    }

    /** The throttle in force (bytes/s), 0 = RAM-fast. */
    public long throttleBytesPerSec() {
        return throttleBytesPerSec;
    }

    /** The loop device's bdi ("7:N"). */
    public String bdi() {
        return bdi;
    }

    /** "/dev/loopN". */
    public String loopDevice() {
        return loopDevice;
    }

    public Path mountPoint() {
        return mountPoint;
    }

    @Override
    public void close() throws IOException {
        teardown.closeIo();
    }

    private void teardown() throws IOException {
        List<String> failures = new ArrayList<>();
        if (throttleBytesPerSec > 0 && bdi != null) {
            try {
                BlkThrottle.setWriteBps(bdi, 0);
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
            throttleBytesPerSec = 0;
        }
        if (mounted) {
            Rigs.umount(mountPoint, failures);
            mounted = false;
        }
        if (loopDevice != null) {
            Rigs.detach(loopDevice, failures);
            loopDevice = null;
        }
        if (tmpfsMounted) {
            Rigs.umount(tmpfsDir, failures);
            tmpfsMounted = false;
        }
        if (!failures.isEmpty()) {
            throw new IOException("fast device teardown in " + workDir + ": " + String.join("; ", failures));
        }
    }

}
