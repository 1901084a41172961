package wbgov.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wbgov.linux.LinuxCalls;
import wbgov.linux.LinuxException;

/**
 * Locks the server's memory: {@code mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)}.
 *
 * <p>A server that this machine writes back through must never wait for a page-in of its own
 * code or heap while memory is short: that page-in may need the very write-back it serves. The
 * launcher gives the JVM a fixed, pre-touched heap ({@code -Xms = -Xmx, -XX:+AlwaysPreTouch})
 * and the export's buffer pool is touched when it is built, so with MCL_ONFAULT everything the
 * server will use is already resident and locked, while untouched reservations (class data
 * never loaded, thread stacks' guard areas) do not cost RAM.
 */
public final class MemoryLock {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryLock.class);

    private MemoryLock() {
    }

    /**
     * Pages actually pinned: the "Locked:" total of {@code /proc/self/smaps_rollup}, in bytes; -1
     * when unreadable. With MCL_ONFAULT this is what locking costs in RAM; VmLck counts whole
     * mappings, reserved-but-untouched ones included.
     */
    public static long lockedResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
                if (line.startsWith("Locked:")) {
                    String v = line.substring(7).trim();
                    int sp = v.indexOf(' ');
                    return Long.parseLong(sp < 0 ? v : v.substring(0, sp)) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    /** Bytes of address space mapping memory exports (memfd "wbgov-nbd"), from /proc/self/maps. */
    public static long memoryExportMappedBytes() {
        return memoryExportMappedBytes(Path.of("/proc/self/maps"));
    }

    /** The same for any process's maps file (the bench reads its server's). */
    public static long memoryExportMappedBytes(Path maps) {
        long sum = 0;
        try {
            for (String line : Files.readAllLines(maps)) {
                if (line.contains("/memfd:wbgov-nbd")) {
                    int dash = line.indexOf('-');
                    int sp = line.indexOf(' ');
                    sum += Long.parseUnsignedLong(line.substring(dash + 1, sp), 16)
                            - Long.parseUnsignedLong(line.substring(0, dash), 16);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    /** Locks and logs the locked size (VmLck); returns it in bytes, or -1 when refused. */
    public static long lockAll() {
        try {
            LinuxCalls.mlockall(true);
            long locked = LinuxCalls.lockedBytes();
            long exports = memoryExportMappedBytes();
            LOG.info("memory locked: mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT), VmLck {} MiB (address space under "
                    + "lock, reservations included: {} MiB the process, {} MiB memory exports' mappings, pinned as "
                    + "written), resident and pinned now {} MiB, VmRSS {} MiB",
                    locked >> 20, (locked - exports) >> 20, exports >> 20, lockedResidentBytes() >> 20,
                    LinuxCalls.residentBytes() >> 20);
            return locked;
        } catch (LinuxException e) {
            LOG.warn("{}: memory stays unlocked; under memory pressure the server may be paged out while the "
                    + "machine waits on it. Grant CAP_IPC_LOCK (systemd AmbientCapabilities=CAP_IPC_LOCK) or raise "
                    + "RLIMIT_MEMLOCK (LimitMEMLOCK=infinity).", e.getMessage());
            return -1;
        }
    }
}
