package wbgov.governor.discover;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Tells cheaply whether the device table may have changed, so that the daemon rescans (about
 * 10 ms of sysfs walking and some garbage) only then, and not every few seconds.
 *
 * <p>It fingerprints {@code /proc/partitions} (a block device appears, disappears, or changes
 * size: a USB disk plugged, a loop device attached, an NBD device connected) and {@code
 * /proc/self/mountinfo} (a FUSE or network file system mounted: a new anonymous bdi), read
 * through held descriptors into one reused buffer and hashed in place: nothing allocated.
 * A fingerprint that cannot be read counts as changed.
 */
public final class ChangeDetector implements AutoCloseable {
    private final FileChannel[] files;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
    private long last;
    private boolean first = true;

    public ChangeDetector(Path procRoot) {
        Path[] paths = {procRoot.resolve("partitions"), procRoot.resolve("self/mountinfo")};
        files = new FileChannel[paths.length];
        for (int i = 0; i < paths.length; i++) {
            try {
                files[i] = FileChannel.open(paths[i], StandardOpenOption.READ);
            } catch (IOException e) {
                files[i] = null;
            }
        }
    }

    /** True when the fingerprint differs from the last call's (and on the first call). */
    public boolean changed() {
        long h = 1125899906842597L;
        for (FileChannel f : files) {
            if (f == null) {
                return true;
            }
            try {
                long pos = 0;
                while (true) {
                    buf.clear();
                    int n = f.read(buf, pos);
                    if (n <= 0) {
                        break;
                    }
                    for (int i = 0; i < n; i++) {
                        h = 31 * h + buf.get(i);
                    }
                    pos += n;
                }
            } catch (IOException e) {
                return true;
            }
        }
        boolean changed = first || h != last;
        first = false;
        last = h;
        return changed;
    }

    @Override
    public void close() {
        for (FileChannel f : files) {
            try {
                if (f != null) {
                    f.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
