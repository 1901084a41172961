package wbgov.bench.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One reading of a bdi's write-back state from debugfs ({@code /sys/kernel/debug/bdi/<bdi>/stats}),
 * in bytes: what the benchmarks and end-to-end tests measure the governor by, read independently
 * of the governor's own sampler. Fields the kernel does not print read -1.
 *
 * @param dirtyBytes BdiReclaimable: dirty pages counted against this bdi
 * @param writebackBytes BdiWriteback: pages under write-back
 * @param bdiThreshBytes BdiDirtyThresh: the kernel's threshold for this bdi
 * @param dirtiedBytes BdiDirtied: cumulative
 * @param writtenBytes BdiWritten: cumulative (completions)
 */
public record BdiStats(long nanoTime, long dirtyBytes, long writebackBytes, long bdiThreshBytes, long dirtiedBytes,
        long writtenBytes) {
    public static final Path DEBUGFS_BDI = Path.of("/sys/kernel/debug/bdi");

    /** Whether debugfs bdi stats are readable here. */
    public static boolean available() {
        return Files.isDirectory(DEBUGFS_BDI);
    }

    /** Dirty plus writeback: what the device still has to drain. */
    public long heldBytes() {
        return Math.max(0, dirtyBytes) + Math.max(0, writebackBytes);
    }

    /** Reads a bdi's stats now. */
    public static BdiStats read(String bdi) throws IOException {
        long now = System.nanoTime();
        long dirty = -1;
        long wb = -1;
        long thresh = -1;
        long dirtied = -1;
        long written = -1;
        for (String line : Files.readAllLines(DEBUGFS_BDI.resolve(bdi).resolve("stats"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String rest = line.substring(colon + 1).trim();
            int sp = rest.indexOf(' ');
            String num = sp < 0 ? rest : rest.substring(0, sp);
            long kb;
            try {
                kb = Long.parseLong(num);
            } catch (NumberFormatException e) {
                continue;
            }
            switch (key) {
                case "BdiWriteback" -> wb = kb * 1024;
                case "BdiReclaimable" -> dirty = kb * 1024;
                case "BdiDirtyThresh" -> thresh = kb * 1024;
                case "BdiDirtied" -> dirtied = kb * 1024;
                case "BdiWritten" -> written = kb * 1024;
                default -> {
                }
            }
        }
        return new BdiStats(now, dirty, wb, thresh, dirtied, written);
    }
}
