package wbgov.governor.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plant model of the kernel's write-back, as files: the /sys, /proc and debugfs entries the
 * governor reads and writes, rewritten every tick from a simple model of each device — a writer
 * dirtying at {@code dirtyingBytesPerSec} up to the device's limit, the device completing at
 * {@code completionBytesPerSec}. What the governor writes into the knob files is what the model's
 * "kernel" enforces next tick, so the whole duty cycle is closed over a plant without root.
 *
 * <p>The model's kernel: a strict device is throttled at its {@code max_bytes}; a non-strict one
 * only at the global threshold (the kernel ignores a bdi's max below freerun). As in the kernel,
 * {@code max_bytes} is kept as a share of the global threshold: it follows the threshold when
 * that moves, and a write above the threshold is refused (EINVAL) — recorded in {@link #refused}
 * and undone. Knob files are plain files: a write is seen at the next {@link #step}.
 */
final class FakeKernel {
    static final long PAGE = 4096;

    final Path sys;
    final Path proc;
    final Path debugfs;
    long threshBytes;
    long backgroundBytes;
    final Map<String, Dev> devices = new LinkedHashMap<>();
    final List<String> refused = new ArrayList<>();

    /** One block device and its bdi. */
    static final class Dev {
        final String name;
        final String bdi;
        double dirtyingBytesPerSec;
        double completionBytesPerSec;
        double dirty;
        double dirtied;
        double written;
        /** max_bytes as a share of the threshold, and the view this model last wrote. */
        double maxShare = 1.0;
        long maxView;

        Dev(String name, String bdi) {
            this.name = name;
            this.bdi = bdi;
        }
    }

    FakeKernel(Path root, long threshBytes) throws IOException {
        sys = root.resolve("sys");
        proc = root.resolve("proc");
        debugfs = root.resolve("debug");
        this.threshBytes = threshBytes;
        this.backgroundBytes = threshBytes / 2;
        Files.createDirectories(sys.resolve("block"));
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(debugfs.resolve("bdi"));
        Files.writeString(proc.resolve("self/mountinfo"), "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
        writeProc();
    }

    Governor.Roots roots() {
        return new Governor.Roots(sys, proc, debugfs);
    }

    /** Hot-plug: a disk appears (its bdi with the kernel's default knobs). */
    Dev plug(String name, String bdi, double completionBytesPerSec) throws IOException {
        Path real = sys.resolve("devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block").resolve(name);
        Files.createDirectories(real.resolve("queue"));
        Files.writeString(real.resolve("dev"), bdi + "\n");
        Files.writeString(real.resolve("removable"), "0\n");
        Files.writeString(real.resolve("queue/rotational"), "1\n");
        Path bdiDir = sys.resolve("class/bdi").resolve(bdi);
        Files.createDirectories(bdiDir);
        Files.createSymbolicLink(real.resolve("bdi"), bdiDir);
        Files.createSymbolicLink(sys.resolve("block").resolve(name), real);
        for (String[] kv : new String[][] {{"max_ratio", "100"}, {"min_ratio", "0"}, {"max_ratio_fine", "1000000"},
            {"min_ratio_fine", "0"}, {"max_bytes", Long.toString(threshBytes)}, {"min_bytes", "0"}, {"strict_limit", "0"}}) {
            Files.writeString(bdiDir.resolve(kv[0]), kv[1] + "\n");
        }
        Files.createDirectories(debugfs.resolve("bdi").resolve(bdi));
        Dev d = new Dev(name, bdi);
        d.completionBytesPerSec = completionBytesPerSec;
        d.maxView = threshBytes;
        devices.put(name, d);
        writeDevice(d);
        writeProc();
        return d;
    }

    /** Hot-unplug: every file of the device goes, as with a real removal. */
    void unplug(String name) throws IOException {
        Dev d = devices.remove(name);
        deleteTree(sys.resolve("class/bdi").resolve(d.bdi));
        deleteTree(debugfs.resolve("bdi").resolve(d.bdi));
        Files.delete(sys.resolve("block").resolve(name));
        writeProc();
    }

    long knob(String bdi, String name) {
        try {
            return Long.parseLong(Files.readString(sys.resolve("class/bdi").resolve(bdi).resolve(name)).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long held(Dev d) {
        return (long) d.dirty;
    }

    /** Advances the model by {@code dtSec} and rewrites every file the governor reads. */
    void step(double dtSec) throws IOException {
        for (Dev d : devices.values()) {
            boolean strict = knob(d.bdi, "strict_limit") != 0;
            long written = knob(d.bdi, "max_bytes");
            if (written != d.maxView) { // the governor wrote it
                if (written > threshBytes) {
                    refused.add(d.bdi + " max_bytes " + written + " > threshold " + threshBytes);
                } else {
                    d.maxShare = (double) written / threshBytes;
                }
            }
            long max = (long) (d.maxShare * threshBytes);
            d.maxView = max;
            Files.writeString(sys.resolve("class/bdi").resolve(d.bdi).resolve("max_bytes"), max + "\n");
            double limit = strict ? Math.min(max, threshBytes) : threshBytes;
            double in = Math.max(0, Math.min(d.dirtyingBytesPerSec * dtSec, limit - d.dirty));
            d.dirty += in;
            d.dirtied += in;
            double out = Math.min(d.completionBytesPerSec * dtSec, d.dirty);
            d.dirty -= out;
            d.written += out;
            writeDevice(d);
        }
        writeProc();
    }

    private void writeDevice(Dev d) throws IOException {
        // Half of what it holds under write-back, as a busy device shows.
        long wb = (long) (d.dirty / 2) / 1024;
        long reclaimable = (long) (d.dirty / 1024) - wb;
        Files.writeString(debugfs.resolve("bdi").resolve(d.bdi).resolve("stats"), String.format(
                "BdiWriteback:       %10d kB%nBdiReclaimable:     %10d kB%nBdiDirtyThresh:     %10d kB%n"
                + "DirtyThresh:        %10d kB%nBackgroundThresh:   %10d kB%nBdiDirtied:         %10d kB%n"
                + "BdiWritten:         %10d kB%nBdiWriteBandwidth:  %10d kBps%n",
                wb, reclaimable, threshBytes / 1024, threshBytes / 1024, backgroundBytes / 1024,
                (long) d.dirtied / 1024, (long) d.written / 1024, (long) d.completionBytesPerSec / 1024));
    }

    private void writeProc() throws IOException {
        double dirty = 0;
        double dirtied = 0;
        double written = 0;
        StringBuilder partitions = new StringBuilder("major minor  #blocks  name\n\n");
        for (Dev d : devices.values()) {
            dirty += d.dirty;
            dirtied += d.dirtied;
            written += d.written;
            String[] mm = d.bdi.split(":");
            partitions.append(String.format(" %4s %7s %10d %s%n", mm[0], mm[1], 1 << 20, d.name));
        }
        Files.writeString(proc.resolve("vmstat"), String.format("nr_dirty %d%nnr_writeback %d%n"
                + "nr_dirty_threshold %d%nnr_dirty_background_threshold %d%nnr_dirtied %d%nnr_written %d%n",
                (long) (dirty / PAGE), 0L, threshBytes / PAGE, backgroundBytes / PAGE, (long) (dirtied / PAGE),
                (long) (written / PAGE)));
        Files.writeString(proc.resolve("partitions"), partitions.toString());
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
