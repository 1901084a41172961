package wbgov.bench.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * blk-throttle in the cgroup v1 root: {@code MAJ:MIN BYTES} into
 * {@code /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device}. It throttles write-back too
 * (the flusher runs in the root cgroup), which is what gives a RAM-fast loop device a steady,
 * SSD-like speed (CONTEXT.md: 1200 MB + fdatasync at 200 MiB/s measured 5.94–6.05 s over eight
 * runs, against 3x swings unthrottled). A rule of 0 removes it.
 *
 * <p>This class never mounts the blkio hierarchy: where it is absent, {@link #available()} is
 * false and callers fall back to an unthrottled device and say so.
 */
public final class BlkThrottle {
    /** The cgroup v1 root's write rule file. */
    public static final Path WRITE_BPS = Path.of("/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device");

    private BlkThrottle() {
    }

    /** Whether the cgroup v1 blkio hierarchy with blk-throttle is mounted and writable here. */
    public static boolean available() {
        return Files.isWritable(WRITE_BPS);
    }

    /** Why it is not available, for skip messages and reports. */
    public static String whyNot() {
        if (available()) {
            return "";
        }
        return WRITE_BPS + " is absent or not writable (cgroup v1 blkio not mounted; wbgov does not mount it)";
    }

    /** Sets a device's write rate limit (bytes/s); 0 removes the rule. */
    public static void setWriteBps(String majMin, long bytesPerSec) throws IOException {
        if (bytesPerSec < 0) {
            throw new IllegalArgumentException("rate must be >= 0: " + bytesPerSec);
        }
        Sh.write(WRITE_BPS, majMin + " " + bytesPerSec);
    }

    /** The rule in force for a device (bytes/s), 0 when none. */
    public static long writeBps(String majMin) throws IOException {
        for (String line : Files.readAllLines(WRITE_BPS)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals(majMin)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }
}
