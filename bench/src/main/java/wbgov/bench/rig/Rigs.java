package wbgov.bench.rig;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the device rigs share: their builders' checks and build-or-undo, and their teardown steps. */
final class Rigs {
    private Rigs() {
    }

    /** A device size for ext4: at least 64 MiB. */
    static long ext4Size(long n) {
        if (n < 64L << 20) {
            throw new IllegalArgumentException("size below 64 MiB leaves ext4 no room: " + n);
        }
        return n;
    }

    /** A rate in bytes/s, 0 meaning unlimited. */
    static long rate(long r) {
        if (r < 0) {
            throw new IllegalArgumentException("rate must be >= 0: " + r);
        }
        return r;
    }

    /** A rig's build steps. */
    interface Build {
        void run() throws IOException;
    }

    /** Runs {@code build} on a new {@code rig}; on any failure closes what it built and rethrows. */
    static <T extends Closeable> T buildOrClose(T rig, Build build) throws IOException {
        try {
            build.run();
            return rig;
        } catch (IOException | RuntimeException e) {
            rig.close();
            throw e;
        }
    }

    /** Unmounts, retrying while busy for a few seconds, then lazily. True if unmounted normally. */
    static boolean umount(Path mp, List<String> failures) {
        for (int i = 0; i < 20; i++) {
            try {
                Sh.run(300, "umount", mp.toString());
                return true;
            } catch (IOException e) {
                if (!Sh.isMounted(mp)) {
                    return true;
                }
                if (!e.getMessage().contains("busy")) {
                    failures.add(e.getMessage());
                    return false;
                }
            }
            sleepMs(250);
        }
        try {
            Sh.run("umount", "-l", mp.toString());
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
        return false;
    }

    /** Detaches a loop device; one already gone (autoclear after the last umount) is not a failure. */
    static void detach(String loopDevice, List<String> failures) {
        try {
            Sh.run("losetup", "-d", loopDevice);
        } catch (IOException e) {
            String name = loopDevice.substring(loopDevice.lastIndexOf('/') + 1);
            if (Files.exists(Path.of("/sys/block", name, "loop", "backing_file"))) {
                failures.add(e.getMessage());
            }
        }
    }

    static void requireRoot() throws IOException {
        if (wbgov.linux.LinuxCalls.geteuid() != 0) {
            throw new IOException("needs root (loop devices, mounts, sysfs knobs)");
        }
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
