package wbgov.governor.sample;

/**
 * Which kernel sources a device's (or the system's) readings come from, as a bitset, so that
 * {@code status} can say how much the governor actually sees: without debugfs (lockdown, not
 * mounted and not allowed to mount) per-device dirty and writeback bytes are unknown and
 * completion comes from the block layer's sector counts instead of BdiWritten.
 */
public final class Sources {
    private Sources() {
    }

    /** /sys/kernel/debug/bdi/BDI/stats: per-bdi dirty, writeback, thresholds, dirtied, written. */
    public static final int DEBUGFS = 1;
    /** /sys/block/X/stat: sectors written (completion without debugfs). */
    public static final int BLOCK_STAT = 1 << 1;
    /** /sys/block/X/inflight: requests in flight. */
    public static final int BLOCK_INFLIGHT = 1 << 2;
    /** /proc/vmstat: global dirty, writeback, dirtied, written and thresholds. */
    public static final int VMSTAT = 1 << 3;
    /** /proc/pressure/io and /proc/pressure/memory. */
    public static final int PSI = 1 << 4;

    /** "debugfs+block-stat+inflight", or "none". */
    public static String describe(int sources) {
        StringBuilder b = new StringBuilder();
        append(b, sources, DEBUGFS, "debugfs");
        append(b, sources, BLOCK_STAT, "block-stat");
        append(b, sources, BLOCK_INFLIGHT, "inflight");
        append(b, sources, VMSTAT, "vmstat");
        append(b, sources, PSI, "psi");
        return b.length() == 0 ? "none" : b.toString();
    }

    /** The names of the sources, in a fixed order: ["debugfs", "block-stat"]; empty for none. */
    public static java.util.List<String> names(int sources) {
        java.util.List<String> l = new java.util.ArrayList<>(5);
        String[] names = {"debugfs", "block-stat", "inflight", "vmstat", "psi"};
        int[] bits = {DEBUGFS, BLOCK_STAT, BLOCK_INFLIGHT, VMSTAT, PSI};
        for (int i = 0; i < bits.length; i++) {
            if ((sources & bits[i]) != 0) {
                l.add(names[i]);
            }
        }
        return l;
    }

    private static void append(StringBuilder b, int sources, int bit, String name) {
        if ((sources & bit) != 0) {
            if (b.length() > 0) {
                b.append('+');
            }
            b.append(name);
        }
    }
}
