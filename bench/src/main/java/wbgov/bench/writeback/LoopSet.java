package wbgov.bench.writeback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import wbgov.bench.rig.Sh;
import wbgov.bench.rig.Teardown;

/**
 * Many idle loop devices for the overhead scenario: sparse files in a private tmpfs, each
 * attached with {@code losetup}. No file system: the governor discovers, samples and governs
 * bdis, and a loop device has one whether or not anything is mounted on it. {@link #close()}
 * detaches exactly the devices it attached and unmounts the tmpfs (also from the shutdown
 * hook on Ctrl-C).
 */
public final class LoopSet implements AutoCloseable {
    private final Path tmpfs;
    private final List<String> devices = new ArrayList<>();
    private final List<String> bdis = new ArrayList<>();
    private final Teardown.Handle teardown;
    private boolean mounted;

    private LoopSet(Path dir) {
        this.tmpfs = dir.toAbsolutePath().normalize();
        this.teardown = Teardown.register(devicesLabel(), this::teardown);
    }

    private String devicesLabel() {
        return "loop devices on tmpfs " + tmpfs;
    }

    /** Attaches {@code n} loop devices of {@code sizeBytes} each (sparse: they cost no memory until written). */
    public static LoopSet create(Path dir, int n, long sizeBytes) throws IOException {
        LoopSet s = new LoopSet(dir);
        try {
            Files.createDirectories(s.tmpfs);
            Sh.run("mount", "-t", "tmpfs", "-o", "size=" + (n * sizeBytes + (16L << 20)) + ",mode=0700", "wbgov-bench-loops",
                    s.tmpfs.toString());
            s.mounted = true;
            for (int i = 0; i < n; i++) {
                Path f = s.tmpfs.resolve("loop-" + i + ".img");
                Sh.run("truncate", "-s", Long.toString(sizeBytes), f.toString());
                String dev = Sh.run("losetup", "-f", "--show", f.toString());
                s.devices.add(dev);
                s.bdis.add(Sh.majMin(dev.substring(dev.lastIndexOf('/') + 1)));
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public List<String> bdis() {
        return List.copyOf(bdis);
    }

    private void teardown() throws IOException {
        List<String> failures = new ArrayList<>();
        for (String d : devices) {
            try {
                Sh.run("losetup", "-d", d);
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        devices.clear();
        if (mounted) {
            try {
                Sh.run("umount", tmpfs.toString());
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
            mounted = false;
        }
        if (!failures.isEmpty()) {
            throw new IOException(String.join("; ", failures));
        }
    }

    @Override
    public void close() throws IOException {
        teardown.closeIo();
    }
}
