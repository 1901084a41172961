package wbgov.governor.daemon;

import java.util.List;

/**
 * Everything the governor shows, read at one moment: what {@code wbgov status} (text and JSON),
 * the Prometheus metrics and {@code wbgov drain} all read, so they cannot disagree. Built on
 * request by {@link Governor#snapshot()} on the caller's thread (the status socket's, the
 * scrape's) from the values the duty cycle publishes each tick (volatile fields, counters): the
 * tick never waits for a reader and allocates nothing for one. Each value is as of the last
 * tick that read its device; two values of one device may be one tick apart.
 *
 * <p>Units are the base units: bytes, bytes per second, seconds. {@code null} means unknown (a
 * counter the kernel does not give, a device not governed, a rate not measured yet), never -1
 * or 0.
 *
 * @param timeEpochMillis when the snapshot was taken (wall clock, ms since the epoch)
 * @param version wbgov's version
 * @param uptimeSeconds since the governor started
 * @param ticks duty-cycle ticks so far
 * @param dryRun computes and logs, writes no knob
 * @param debugfs per-bdi counters come from debugfs (else inferred: see {@link Device#sources})
 */
public record GovernorSnapshot(
        long timeEpochMillis,
        String version,
        double uptimeSeconds,
        long ticks,
        boolean dryRun,
        boolean debugfs,
        Global global,
        List<Device> devices,
        List<Export> exports) {

    public GovernorSnapshot {
        devices = List.copyOf(devices);
        exports = List.copyOf(exports);
    }

    /**
     * Machine-wide state.
     *
     * @param dirtyBytes nr_dirty
     * @param writebackBytes nr_writeback
     * @param dirtyThreshBytes the global dirty limit now (nr_dirty_threshold)
     * @param backgroundThreshBytes where background write-back starts (nr_dirty_background_threshold)
     * @param pressure PSI, null where the kernel has none
     * @param reloadsOk policy reloads that took effect
     * @param reloadsFailed policy reloads refused (the old policies stayed)
     * @param failedTicks ticks that ended in an exception (counted, logged once per kind; the loop goes on)
     * @param tickSeconds how long the ticks took
     */
    public record Global(
            Long dirtyBytes,
            Long writebackBytes,
            Long dirtyThreshBytes,
            Long backgroundThreshBytes,
            Pressure pressure,
            long reloadsOk,
            long reloadsFailed,
            long failedTicks,
            TickDurations.Reading tickSeconds) {
    }

    /**
     * Pressure stall information (/proc/pressure): the share of the last 10 s some (or all)
     * tasks were stalled, in percent, and the total stall time since boot, in seconds.
     */
    public record Pressure(
            Double ioSomeAvg10Percent,
            Double ioFullAvg10Percent,
            Double memorySomeAvg10Percent,
            Double memoryFullAvg10Percent,
            Double ioSomeSeconds,
            Double ioFullSeconds,
            Double memorySomeSeconds,
            Double memoryFullSeconds) {
    }

    /**
     * One bdi.
     *
     * @param bdi its name under /sys/class/bdi ("7:0")
     * @param device a human label ("loop0 (7:0)", "fuse 0:52")
     * @param blockDevice kernel block device name ("loop0"), null for an anonymous bdi
     * @param kind what it is ("loop", "nbd", "fuse", "usb", …: the device class)
     * @param mountPoints where it (or its anonymous bdi) is mounted
     * @param attached false for a loop device with nothing attached (status hides it unless asked)
     * @param policy the policy that matched, null when none did
     * @param governed a policy governs it (else it is only observed)
     * @param dirtyBytes dirty pages of this bdi
     * @param writebackBytes pages under write-back
     * @param dirtyingBytesPerSec how fast its writers dirty pages
     * @param completionBytesPerSec how fast it completes write-back (the law's r); null before any
     *     measurement
     * @param drainSeconds held / r: how long until all it holds is on the device (time to safe
     *     eject); 0 when it holds nothing; null when it is stalled (infinite) or r is unknown
     * @param drainSecondsUpper the same with r at the low end of its estimate's 95 % interval
     *     (r − 2 standard errors); null when that end is not above 0
     * @param stalled it owes completions and completed nothing for the policy's stall time
     * @param noProgressSeconds how long it has had pages under write-back without completing any
     * @param drainTargetSeconds the policy's drain target T, null when not governed
     * @param overTarget the predicted drain time is above the target (or it is stalled holding data)
     * @param allowanceBytes max_bytes the law asks for, null when not governed
     * @param kernelMaxBytes max_bytes as the kernel reads it back now (the kernel's own value
     *     when wbgov does not govern the device), null when the kernel has no such knob
     * @param strict strict_limit as the kernel reads it back, null when unknown
     * @param state the controller's state in one word (stalled, probing, backlogged, relaxed,
     *     tracking, draining), null when not governed
     * @param metBeforeEpochSeconds when it was last seen in an earlier run, null when never
     * @param knobWrites knob writes made for it
     * @param knobErrors knob writes that failed
     * @param sources where its numbers come from ("debugfs", "block-stat", …)
     */
    public record Device(
            String bdi,
            String device,
            String blockDevice,
            String kind,
            List<String> mountPoints,
            boolean attached,
            String policy,
            boolean governed,
            Long dirtyBytes,
            Long writebackBytes,
            double dirtyingBytesPerSec,
            Double completionBytesPerSec,
            Double drainSeconds,
            Double drainSecondsUpper,
            boolean stalled,
            double noProgressSeconds,
            Double drainTargetSeconds,
            boolean overTarget,
            Long allowanceBytes,
            Long kernelMaxBytes,
            Boolean strict,
            String state,
            Long metBeforeEpochSeconds,
            long knobWrites,
            long knobErrors,
            List<String> sources) {

        public Device {
            mountPoints = List.copyOf(mountPoints);
            sources = List.copyOf(sources);
        }

        /** Dirty + write-back, what it holds; null when neither is known. */
        public Long heldBytes() {
            if (dirtyBytes == null && writebackBytes == null) {
                return null;
            }
            return (dirtyBytes == null ? 0 : dirtyBytes) + (writebackBytes == null ? 0 : writebackBytes);
        }
    }

    /**
     * An export of the bundled server ({@code run --serve}) whose in-flight limit the governor sets.
     *
     * @param name the export's name
     * @param inflightLimitBytes the limit in bytes the governor set
     * @param inflightLimitRequests the limit in requests
     * @param inflightRequests requests in flight now
     * @param completionBytesPerSec its completion rate (the in-flight law's input)
     * @param stats the server's own counters for it (live: read them once per use)
     */
    public record Export(
            String name,
            long inflightLimitBytes,
            int inflightLimitRequests,
            int inflightRequests,
            double completionBytesPerSec,
            wbgov.nbd.stats.ExportStats stats) {
    }
}
