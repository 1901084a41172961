package wbgov.governor.daemon;

import wbgov.governor.actuate.KnobState;
import wbgov.governor.control.DrainTimeController;
import wbgov.governor.discover.DeviceInfo;
import wbgov.governor.estimate.DrainTime;
import wbgov.governor.estimate.RateEstimator;
import wbgov.governor.policy.PolicyMatch;
import wbgov.governor.sample.BdiSample;

/**
 * Everything the governor keeps for one bdi between ticks, preallocated when the device is
 * found. Kept across rescans while the device exists, so its controller keeps what it learned.
 * Fields the status server reads are volatile (written once per tick by the governor thread).
 */
final class DeviceState {
    final DeviceInfo device;
    final PolicyMatch match;
    /** Null when no policy governs the device: it is only observed. */
    final DrainTimeController controller;
    final RateEstimator dirtying = RateEstimator.builder().build();
    final BdiSample sample = new BdiSample();
    volatile int sources;
    /** What the kernel keeps, read back after our last write; null before any. */
    volatile KnobState kept;
    /** The law's allowance before the cap to the global threshold (bytes); 0 when not governed. */
    long lawBytes;
    /** The allowance we want in force (bytes): {@link #lawBytes} capped to the threshold; 0 when not governed. */
    volatile long targetBytes;
    volatile long dirtyBytes = -1;
    volatile long writebackBytes = -1;
    volatile double completionBytesPerSec;
    volatile double dirtyingBytesPerSec;
    volatile long knobWrites;
    volatile long knobErrors;
    long lastDriftCheckNs;
    /** A strict policy's device allowed so much that strict_limit is off (KnobLaw.lifted). */
    boolean strictLifted;
    /** Held data or dirtied some at its last reading: read every tick. */
    boolean busy = true;
    /** Nothing attached (a loop device): read once for the status table, then not again. */
    final boolean unattached;
    /** The governor tick of its last reading. */
    long lastSampledTick = Long.MIN_VALUE / 2;

    DeviceState(DeviceInfo device, PolicyMatch match, DrainTimeController controller) {
        this.device = device;
        this.match = match;
        this.controller = controller;
        this.unattached = device.unattachedLoop();
    }

    boolean governed() {
        return controller != null;
    }

    /** Seconds to drain what it holds at its measured completion rate; -1 when unknown. */
    /** {@link DrainTime#seconds}: +∞ for a device that holds data and completes nothing. */
    double drainSeconds() {
        return DrainTime.seconds(DrainTime.heldBytes(dirtyBytes, writebackBytes), completionBytesPerSec);
    }
}
